// Command kstatus prints what kstatus (sigs.k8s.io/cli-utils/pkg/kstatus, the library Flux's health checks
// use) computes for Kubernetes objects: it reads one object, or a List such as `kubectl get ... -o json`
// prints, as JSON on stdin, and writes one JSON line per object: {"name", "status", "message"}.
// Tests use it to prove what GitOps tools will conclude from a CodexLB's status.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var u unstructured.Unstructured
	// Decodes numbers as int64, as the API machinery does (kstatus reads generations as integers).
	if err := u.UnmarshalJSON(data); err != nil {
		fail(err)
	}
	items := []unstructured.Unstructured{u}
	if u.IsList() {
		list, err := u.ToList()
		if err != nil {
			fail(err)
		}
		items = list.Items
	}
	out := json.NewEncoder(os.Stdout)
	for i := range items {
		res, err := status.Compute(&items[i])
		if err != nil {
			fail(err)
		}
		_ = out.Encode(map[string]string{"name": items[i].GetName(), "status": res.Status.String(), "message": res.Message})
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kstatus:", err)
	os.Exit(1)
}
