"""Asking the same queries of the server's engine and of the device's in a page, and what
counts as the same answer: top-10 ids in the same order, scores equal within ``REL``
relative, the same total, suggestion and facets. Shared by the parity tests of every script."""

from __future__ import annotations

from pathlib import Path

from satchel.search import engine as search
from satchel.store import Store

REL = 1e-9

RUN = """async ({parts, queries, terms}) => {
  const engine = await import("/static/lib/search-engine.js");
  const get = async (name) => (await fetch(`/api/v1/objects/${name}`)).arrayBuffer();
  const ix = await engine.openIndex(await Promise.all(parts.map(async (part) => ({
    bundle: part.bundle, tombstones: part.tombstones,
    buffers: await Promise.all(part.segments.map(get))}))));
  const articles = Object.fromEntries(parts.map((part) => [part.bundle, part.articles]));
  const cache = new Map();
  const results = [];
  for (const [q, filters] of queries) {
    try {
      for (const {bundle, id} of engine.phraseCandidates(ix, q)) {
        const key = `${bundle}/${id}`;
        if (!cache.has(key)) {
          cache.set(key, await (await fetch(`/api/v1/objects/${articles[bundle][id]}`)).json());
        }
      }
      const article = (bundle, id) => cache.get(`${bundle}/${id}`);
      const found = engine.search(ix, q, filters, {limit: 10, article});
      results.push({ids: found.hits.map((h) => [h.bundle, h.id]),
                    scores: found.hits.map((h) => h.score),
                    total: found.total, suggestion: found.suggestion, facets: found.facets});
    } catch (error) {
      if (!error.code) throw error;
      results.push({error: error.code});
    }
  }
  const postings = {};
  for (const term of terms) {
    postings[term] = engine.postings(ix, term)
      .map(([docs, tfs]) => docs.map((d, k) => [ix.ids[d], tfs[k]]));
  }
  return {results, postings};
}"""


def expected(ix, q, filters) -> dict:
    try:
        found = search.search(ix, q, filters, limit=10, with_highlights=False)
    except search.SearchError as exc:
        return {"error": exc.code}
    return {
        "ids": [[h["bundle"], h["id"]] for h in found["hits"]],
        "scores": [h["score"] for h in found["hits"]],
        "total": found["total"],
        "suggestion": found["suggestion"],
        "facets": found["facets"],
    }


def same(want: dict, got: dict) -> bool:
    if "error" in want or "error" in got:
        return want.get("error") == got.get("error")
    return (
        want["ids"] == got["ids"]
        and all(
            abs(a - b) <= REL * abs(a) for a, b in zip(want["scores"], got["scores"], strict=True)
        )
        and (want["total"], want["suggestion"], want["facets"])
        == (got["total"], got["suggestion"], got["facets"])
    )


def run_parity(page, data: Path, bundles, locale: str, queries, terms=()) -> tuple[int, list]:
    """Ask ``queries`` of the bundle (or bundles, searched as one) on both sides."""
    store = Store(data)
    bundles = [bundles] if isinstance(bundles, str) else bundles
    parts, job_parts = [], []
    for bundle in bundles:
        version = store.current(bundle)[locale]
        manifest = store.manifest(bundle, locale, version)
        parts.append((bundle, store.index_dir(bundle, locale, version)))
        job_parts.append(
            {
                "bundle": bundle,
                "segments": [s["object"] for s in manifest["search"]["segments"]],
                "tombstones": manifest["search"]["tombstones"],
                "articles": {a["id"]: a["object"] for a in manifest["articles"] if a["object"]},
            }
        )
    ix = search.open_collection(parts)
    job = {"parts": job_parts, "queries": queries, "terms": list(terms)}
    answer = page.evaluate(RUN, job)
    bad = [
        (q, f, want, got)
        for (q, f), got in zip(queries, answer["results"], strict=True)
        if not same(want := expected(ix, q, f), got)
    ]
    return len(queries), bad, answer["postings"], ix


def check(bad, n, when="") -> None:
    assert not bad, f"{when}{len(bad)} of {n} differ:\n{report(bad)}"
    print(f"{when}{n} queries, none differ")


def report(bad) -> str:
    return "\n".join(f"{q!r} {f}: server {w} device {g}" for q, f, w, g in bad[:5])
