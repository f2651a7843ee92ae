// Every piece of text whose script says it is in another language than its nearest lang
// ancestor (Arabic letters outside lang="ar", Latin letters inside it), or whose direction
// does not fit its script. `neutral` lists words written the same in every language (drug
// names kept as written), which are not counted. Returns one line per problem.
(neutral) => {
    const ARABIC = /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/g;
    const LATIN = /[A-Za-z\u00c0-\u024f]/g;
    const skip = new RegExp(`\\b(${neutral.join("|")})\\b`, "gi");
    const problems = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const parent = node.parentElement;
        if (!parent || parent.closest("script, style, template")) continue;
        const text = node.textContent.replace(skip, "");
        const arabic = (text.match(ARABIC) || []).length;
        const latin = (text.match(LATIN) || []).length;
        if (arabic + latin < 3) continue;
        const script = arabic > latin ? "ar" : "latin";
        // What the reader typed, and a link written out, are in no known language: they
        // must only be isolated (<bdi>, dir=auto).
        if (parent.closest("bdi, [dir=auto]")) continue;
        const tagged = parent.closest("[lang]");
        const lang = (tagged ? tagged.getAttribute("lang") : "").toLowerCase().split("-")[0];
        const direction = getComputedStyle(parent).direction;
        const langFits = script === "ar" ? lang === "ar" : lang !== "ar" && lang !== "";
        const dirFits = (script === "ar") === (direction === "rtl");
        if (!langFits || !dirFits) {
            const where = parent.tagName.toLowerCase()
                + (parent.className ? `.${parent.className}` : "");
            problems.push(`${where} lang=${lang || "none"} dir=${direction}: `
                + `${node.textContent.trim().slice(0, 60)}`);
        }
    }
    return problems;
}
