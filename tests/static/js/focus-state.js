() => {
    const node = document.activeElement;
    if (!node || node === document.body) return null;
    const style = getComputedStyle(node);
    const rect = node.getBoundingClientRect();
    const x = Math.min(Math.max(rect.left + rect.width / 2, 0), window.innerWidth - 1);
    const y = Math.min(
        Math.max(rect.top + Math.min(rect.height / 2, 10), 0), window.innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    return {
        text: (node.getAttribute("aria-label") || node.textContent || node.value || "").trim(),
        tag: node.tagName,
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        unobscured: Boolean(top && (node.contains(top) || top.contains(node)
            || top.closest("label")?.htmlFor === node.id)),
        inView: rect.bottom > 0 && rect.top < window.innerHeight,
    };
}
