// Command coredns is the real-pod test ground's cluster DNS: CoreDNS built with only the plugins the node's
// Corefile uses (test/harness/node/configs.ts), instead of its default set with every cloud provider's SDK,
// which took minutes of a cold `make setup` to compile.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/template"
)

func init() {
	// The plugin chain, in the relative order of CoreDNS's own plugin.cfg.
	dnsserver.Directives = []string{"bind", "errors", "cache", "template", "kubernetes"}
}

func main() { coremain.Run() }
