() => [...document.querySelectorAll("a, button, input, select, summary")]
    .filter((n) => n.getClientRects().length && !n.closest(".skip-link"))
    .filter((n) => {
        const style = getComputedStyle(n);
        const inline = n.tagName === "A" && style.display === "inline"
            && n.parentElement.textContent.trim().length > n.textContent.trim().length;
        const r = n.getBoundingClientRect();
        return !inline && (r.width < 24 || r.height < 24);
    })
    .map((n) => `${n.tagName} "${n.textContent.trim().slice(0, 40)}"`)
