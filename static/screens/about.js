// The about screen: what Satchel is, and how to read the summaries of each bundle.

import { _, fill } from "../lib/i18n.js";
import { loadBundles } from "../lib/read.js";
import { el, langOf } from "../ui/dom.js";
import { show } from "../ui/page.js";

export async function showAboutApp() {
  const bundles = (await loadBundles()) || [];
  show(_("About Satchel"),
    el("h1", {}, _("About Satchel")),
    el("p", {}, _("Satchel brings you plain-language summaries of medical research. " +
      "Every summary says how strong the evidence is and what to keep in mind.")),
    el("p", {}, _("Download a bundle in the library and you can read and search it " +
      "without a connection. Updates download only what changed.")),
    el("p", {}, _("Satchel does not track you. What you read stays on your device; " +
      "only searches in bundles you have not downloaded are sent to the server.")),
    el("p", { class: "reminder" }, el("strong", {}, _("These summaries do not replace " +
      "medical advice. Never change or stop a treatment without talking to your doctor first."))),
    bundles.length ? el("h2", {}, _("How to read the summaries")) : null,
    bundles.length ? el("ul", { class: "plain-links" }, ...bundles.map((bundle) => el("li", {},
      el("a", { href: `#/read/${bundle.id}/${bundle.source_locale}/about/understanding-research` },
        fill(_("Understanding research ({bundle})"),
          { bundle: el("span", langOf(bundle.source_locale), bundle.title) }))))) : null);
}
