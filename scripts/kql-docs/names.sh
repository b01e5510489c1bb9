#!/bin/sh
# Lists the function, plugin and operator names that the Kusto docs copy
# documents (one per page, from the page's first `# ` heading), into
# functions.txt, plugins.txt and operators.txt beside this script.
# Usage: scripts/kql-docs/names.sh DOCS/data-explorer/kusto/query
set -eu
docs=${1:?usage: names.sh KUSTO_QUERY_DOCS_DIR}
here=$(dirname "$0")
heading() { for f in "$@"; do grep -m1 '^# ' "$f" || true; done; }
heading "$docs"/*-function.md "$docs"/*-aggregation-function.md |
    sed -e 's/^# *//' -e 's/[( ].*//' | tr 'A-Z' 'a-z' | grep -v '^$' | sort -u >"$here/functions.txt"
heading "$docs"/*-plugin.md |
    sed -e 's/^# *//' -e 's/[( ].*//' | tr 'A-Z' 'a-z' | sort -u >"$here/plugins.txt"
heading "$docs"/*-operator.md |
    sed -e 's/^# *//' -e 's/ (.*)//' -e 's/ [Oo]perators\{0,1\}$//' -e 's/ plugin$//' | tr 'A-Z' 'a-z' | sort -u >"$here/operators.txt"
