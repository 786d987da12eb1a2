#!/bin/sh
# installed by `omgreg hooks install`
# Refuses pushes that break the registry's policy, as judged by `omgreg check`
# against the policy of the commit being replaced (never the one being pushed).
omgreg=@OMGREG@
registry=@REGISTRY@
failed=0
while read -r old new ref; do
    # Only commits that hold the registry are judged (other branches pass).
    git cat-file -e "$new:omgreg.toml" 2>/dev/null || continue
    case "$new" in *[!0]*) ;; *) continue ;; esac
    case "$old" in
        *[!0]*) range="$old..$new" ;;
        *)  # A new branch: judge everything it adds to the default branch.
            base=$(git merge-base HEAD "$new" 2>/dev/null)
            if [ -n "$base" ] && [ "$base" != "$new" ]; then range="$base..$new"; else range="$new"; fi ;;
    esac
    echo "omgreg: checking $ref ($range)" >&2
    if ! "$omgreg" -C "$registry" check --range "$range" >&2; then
        failed=1
    fi
done
if [ "$failed" != 0 ]; then
    echo "omgreg: push refused: the registry breaks its policy (see above)" >&2
    exit 1
fi
