"""The build: source files in, a published version out, as the named stages of
``pipeline.STAGES``, one module each."""
