() => {
    const problems = [];
    if (document.documentElement.scrollWidth > window.innerWidth) {
        problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    }
    for (const node of document.querySelectorAll("body *")) {
        const style = getComputedStyle(node);
        if (style.display === "none" || node.closest(".visually-hidden, .skip-link")) continue;
        const clips = ["hidden", "clip"].includes(style.overflowX) || ["hidden", "clip"].includes(style.overflowY);
        if (clips && (node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1)) {
            problems.push(`clipped: ${node.tagName}.${node.className}`);
        }
        const rect = node.getBoundingClientRect();
        if (rect.width && rect.right > window.innerWidth + 1 && node.children.length === 0) {
            problems.push(`past the edge: ${node.tagName}.${node.className} ${rect.right}`);
        }
    }
    const targets = [...document.querySelectorAll("main a, main button, main input, main select, header a")]
        .filter((n) => n.getClientRects().length)
        .map((n) => [n, n.getBoundingClientRect()]);
    for (let i = 0; i < targets.length; i++) {
        for (let j = i + 1; j < targets.length; j++) {
            const [a, r] = targets[i], [b, s] = targets[j];
            if (a.contains(b) || b.contains(a) || a.closest("label") || b.closest("label")) continue;
            const overlap = Math.min(r.right, s.right) - Math.max(r.left, s.left) > 1
                && Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > 1;
            if (overlap) problems.push(`overlap: ${a.outerHTML.slice(0, 60)} / ${b.outerHTML.slice(0, 60)}`);
        }
    }
    return problems;
}
