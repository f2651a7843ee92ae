() => {
    const problems = [];
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth > window.innerWidth) {
        problems.push(`page scrolls sideways: ${pageWidth} > ${window.innerWidth}`);
    }
    for (const node of document.querySelectorAll("body *")) {
        const style = getComputedStyle(node);
        if (style.display === "none" || node.closest(".visually-hidden, .skip-link")) continue;
        const clips = [style.overflowX, style.overflowY]
            .some((overflow) => overflow === "hidden" || overflow === "clip");
        const overflows = node.scrollWidth > node.clientWidth + 1
            || node.scrollHeight > node.clientHeight + 1;
        if (clips && overflows) {
            problems.push(`clipped: ${node.tagName}.${node.className}`);
        }
        const rect = node.getBoundingClientRect();
        if (rect.width && rect.right > window.innerWidth + 1 && node.children.length === 0) {
            problems.push(`past the edge: ${node.tagName}.${node.className} ${rect.right}`);
        }
    }
    const controls = "main a, main button, main input, main select, header a";
    const targets = [...document.querySelectorAll(controls)]
        .filter((n) => n.getClientRects().length)
        .map((n) => [n, n.getBoundingClientRect()]);
    for (let i = 0; i < targets.length; i++) {
        for (let j = i + 1; j < targets.length; j++) {
            const [a, r] = targets[i], [b, s] = targets[j];
            const nested = a.contains(b) || b.contains(a);
            if (nested || a.closest("label") || b.closest("label")) continue;
            const overlap = Math.min(r.right, s.right) - Math.max(r.left, s.left) > 1
                && Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > 1;
            if (overlap) {
                problems.push(`overlap: ${a.outerHTML.slice(0, 60)} / ${b.outerHTML.slice(0, 60)}`);
            }
        }
    }
    return problems;
}
