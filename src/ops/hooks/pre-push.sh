#!/bin/sh
# installed by `omgreg hooks install`
# Checks every pushed range with `omgreg check --range`, then lets Git LFS upload.
omgreg=@OMGREG@
registry=@REGISTRY@
input=$(cat)
failed=0
[ -d "$registry" ] || exit_check=skip
while read -r _ local_sha _ remote_sha; do
    [ -z "$local_sha" ] && continue
    [ "$exit_check" = skip ] && continue
    # A remote that moved on refuses the push anyway (not a fast-forward).
    case "$remote_sha" in *[!0]*) git cat-file -e "$remote_sha^{commit}" 2>/dev/null || continue ;; esac
    case "$local_sha" in *[!0]*) ;; *) continue ;; esac
    case "$remote_sha" in
        *[!0]*) range="$remote_sha..$local_sha" ;;
        *)  # A new branch: judge everything it adds to what the remote has.
            # One with no common history: all of it, by the policy of what the remote has.
            target=HEAD
            git rev-parse -q --verify "refs/remotes/$1/HEAD" >/dev/null && target="refs/remotes/$1/HEAD"
            base=$(git merge-base "$target" "$local_sha" 2>/dev/null)
            if [ -n "$base" ] && [ "$base" != "$local_sha" ]; then range="$base..$local_sha"
            elif [ -z "$base" ] && git rev-parse -q --verify "$target" >/dev/null; then range="$target..$local_sha"
            else range="$local_sha"; fi ;;
    esac
    "$omgreg" -C "$registry" check --range "$range" >&2 || failed=1
done <<OMGREG_REFS
$input
OMGREG_REFS
if [ "$failed" != 0 ]; then
    echo "omgreg: push refused: the registry breaks its policy (see above)" >&2
    exit 1
fi
if command -v git-lfs >/dev/null 2>&1; then
    printf '%s\n' "$input" | git lfs pre-push "$@"
fi
