#!/bin/sh
# installed by `omgreg hooks install`
# Refuses pushes that break the registry's policy, as judged by `omgreg check`
# against the policy of the commit being replaced (never the one being pushed).
# A branch is judged when the commit it had or the one pushed holds a registry:
# deleting `omgreg.toml` in one push cannot leave the next one unjudged. A branch
# that holds a registry may not be deleted or rewound (a non-fast-forward update
# drops commits of the audit log). Each registry folder below is judged on its own
# (`.` is the repository root).
omgreg=@OMGREG@
registry=@REGISTRY@
zero=0000000000000000000000000000000000000000
failed=0
updates=$(cat)
holds() { case "$1" in *[!0]*) git cat-file -e "$1:${prefix}omgreg.toml" 2>/dev/null ;; *) return 1 ;; esac; }
judge() {
    folder=$1
    prefix=${folder#.}
    where=
    [ -n "$prefix" ] && prefix="$prefix/" && where=" in $folder"
    while read -r old new ref; do
        [ -n "$ref" ] || continue
        holds "$old" || holds "$new" || continue
        # A `MODEL@VERSION` tag names the commit that registered that version, no other.
        case "$ref:$new" in
            refs/tags/*@*:"$zero") ;;
            refs/tags/*@*)
                tag=${ref#refs/tags/}
                file="${prefix}models/${tag%@*}/versions/${tag##*@}.yaml"
                commit=$(git rev-parse -q --verify "$new^{commit}")
                if git cat-file -e "$commit:${prefix}models/${tag%@*}" 2>/dev/null \
                    && { ! git cat-file -e "$commit:$file" 2>/dev/null \
                         || git cat-file -e "$commit^:$file" 2>/dev/null; }; then
                    echo "omgreg: refusing $ref: it must name the commit that registered ${tag}" >&2
                    failed=1; continue
                fi ;;
        esac
        case "$ref:$new" in
            refs/heads/*:"$zero")
                echo "omgreg: refusing to delete $ref, which holds the registry$where" >&2
                failed=1; continue ;;
            *:"$zero") continue ;;
        esac
        case "$old" in
            *[!0]*)
                case "$ref" in refs/heads/*)
                    if ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
                        echo "omgreg: refusing a non-fast-forward update of $ref: it would drop registry history" >&2
                        failed=1; continue
                    fi ;;
                esac
                range="$old..$new" ;;
            *)  # A new branch or tag: judge everything it adds to the default branch;
                # one that shares no registry history with it (no common commit, or
                # only commits from before the registry) is judged from the empty
                # registry by the default branch's policy, never by its own.
                base=$(git merge-base HEAD "$new" 2>/dev/null)
                if [ "$base" = "$new" ]; then range="$new"   # already on the default branch
                elif [ -n "$base" ] && holds "$base"; then range="$base..$new"
                elif holds "$(git rev-parse -q --verify HEAD)"; then range="HEAD..$new"
                elif [ -n "$base" ]; then range="$base..$new"
                else range="$new"; fi ;;
        esac
        echo "omgreg: checking $ref ($range)$where" >&2
        if ! "$omgreg" -C "$registry" check --folder "$folder" --range "$range" >&2; then
            failed=1
        fi
    done <<UPDATES
$updates
UPDATES
}
@JUDGE@
if [ "$failed" != 0 ]; then
    echo "omgreg: push refused: the registry breaks its policy (see above)" >&2
    exit 1
fi
