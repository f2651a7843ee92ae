"""The publisher's commands that are not stages of the build: ``satchel bundles …``
(the command line over the build), import a corpus, synthesise bundles for benchmarks,
and export a published version as one ``.satchel`` file."""
