// The device's database as an older app left it, with the same records: IndexedDB `version` (1 to
// 4), only the stores that version had, each object one record of the `objects` store, as
// before chunks: {name, text} for an article or about page, {name, bytes} for a search segment,
// and each installs and staging record with its manifest parsed, not as its bytes.
// The app's open connection lets go when asked (versionchange). Resolves {version, stores}.
async (version) => {
    const done = (request) => new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    const KEYS = { installs: "key", staging: "key", keys: "id", outbox: "id", trust: "id" };
    const STORES = [["installs", "staging"], ["keys"], ["outbox"], ["trust"]]
        .slice(0, version).flat();
    const current = await done(indexedDB.open("satchel"));
    const records = {};
    for (const store of [...STORES, "chunks", "chunkData"]) {
        records[store] = await done(current.transaction(store).objectStore(store).getAll());
    }
    current.close();
    const decoder = new TextDecoder();
    for (const store of ["installs", "staging"]) {
        records[store] = records[store].map(({ manifestBytes, ...record }) => (manifestBytes
            ? { ...record, manifest: JSON.parse(decoder.decode(manifestBytes)) } : record));
    }
    const segments = new Set([...records.installs, ...records.staging]
        .flatMap((record) => record.manifest.search.segments.map((entry) => entry.object)));
    const bytesOf = new Map(records.chunkData.map((data) => [data.id, data.bytes]));
    records.objects = records.chunks.flatMap((chunk) => chunk.names.map((name, i) => {
        const start = i ? chunk.ends[i - 1] : 0;
        const bytes = bytesOf.get(chunk.id).slice(start, chunk.ends[i]);
        return segments.has(name) ? { name, bytes } : { name, text: decoder.decode(bytes) };
    }));
    await done(indexedDB.deleteDatabase("satchel"));
    const request = indexedDB.open("satchel", version);
    request.onupgradeneeded = () => {
        for (const store of ["objects", ...STORES]) {
            const created = request.result.createObjectStore(store,
                { keyPath: KEYS[store] || "name" });
            records[store].forEach((record) => created.put(record));
        }
    };
    const old = await done(request);
    const shape = { version: old.version, stores: [...old.objectStoreNames] };
    old.close();
    return shape;
}
