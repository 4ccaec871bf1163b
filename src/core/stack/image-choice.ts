/**
 * What the Update Image quick pick deploys. The rule is the user's intent: an image typed in full is the image,
 * whatever item the list happens to highlight (the list re-sorts and re-highlights while one types, so the
 * highlighted item can be an unrelated tag); a highlighted item counts only when it is what the typed text filters
 * to. Pure, so that the editor and its tests share it.
 */

/** The image to deploy, or undefined when nothing was typed or picked. */
export function chosenImage(typed: string, highlighted: string | undefined): string | undefined {
    const text = typed.trim();
    if (text === '') return highlighted;
    if (highlighted !== undefined && highlighted.toLowerCase().includes(text.toLowerCase())) return highlighted;
    return text;
}

/** Local tags for the pick, without duplicates and `<none>`: the service's repository first, each group sorted. */
export function orderImageTags(tags: readonly string[], current: string | undefined): string[] {
    const repository = current?.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
    const same = (t: string) => repository !== undefined && t.replace(/:[^:/]*$/, '') === repository;
    return [...new Set(tags)].filter((t) => t !== '<none>:<none>').sort((a, b) => Number(same(b)) - Number(same(a)) || a.localeCompare(b));
}
