#!/bin/sh
# installed by `omgreg hooks install`
# Checks the staged registry (schema, references, generated files) before a commit.
[ -d @REGISTRY@ ] || exit 0
exec @OMGREG@ -C @REGISTRY@ check --staged
