"""The build: source files in, a published version out, as the named stages of
``pipeline.STAGES``, run in that order; each stage's work lives in a module of its own."""
