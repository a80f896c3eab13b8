#!/usr/bin/env bash
# The Debian packages the dashboard's tests run on (installed by ../apt-packages.sh when missing):
#   chromium   the browser of test/e2e/dashboard, driven by playwright-core with executablePath /usr/bin/chromium
#              (no browser download from anywhere else)
#   nginx      the ingress controller stand-in of test/integration/contract/dashboard-ingress.test.ts
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../apt-packages.sh" 'browser' chromium nginx
