// A fake speech engine, installed before the app starts (the tests call it with the voices the
// "device" has): window.speechSynthesis and SpeechSynthesisUtterance record what the page asks
// for, and an utterance ends only when the test calls window.fakeSpeech.finish().
(voices) => {
    const log = [];
    let queue = [];
    let paused = false;
    class FakeUtterance {
        constructor(text) {
            Object.assign(this, { text, lang: "", voice: null, onend: null, onerror: null });
        }
    }
    const engine = {
        getVoices: () => voices.map((voice) => ({
            name: `Fake ${voice.lang}`, voiceURI: `fake-${voice.lang}`, default: false,
            localService: true, ...voice,
        })),
        speak(utterance) {
            queue.push(utterance);
            log.push({ event: "speak", text: utterance.text, lang: utterance.lang,
                voice: utterance.voice && utterance.voice.lang });
        },
        cancel() {
            const dropped = queue;
            queue = [];
            paused = false;
            log.push({ event: "cancel" });
            dropped.forEach((utterance) => utterance.onerror?.({ error: "canceled" }));
        },
        pause() { paused = true; log.push({ event: "pause" }); },
        resume() { paused = false; log.push({ event: "resume" }); },
        get speaking() { return queue.length > 0; },
        get paused() { return paused; },
        get pending() { return queue.length > 1; },
        addEventListener() {},
        removeEventListener() {},
    };
    Object.defineProperty(window, "speechSynthesis", { value: engine, configurable: true });
    window.SpeechSynthesisUtterance = FakeUtterance;
    window.fakeSpeech = {
        log,
        /** End the utterance being spoken; false when paused or nothing is being spoken. */
        finish() {
            if (paused || !queue.length) return false;
            queue.shift().onend?.({});
            return true;
        },
    };
}
