"""Tables the docs take from the code, written into the Markdown pages by cog.

A page holds ``<!-- [[[cog import cog_tables as t; cog.out(t.settings()) ]]] -->``, the
generated Markdown, then ``<!-- [[[end]]] -->``. ``make docs`` rewrites them all; ``make
lint`` and ``tests/test_docs.py`` fail when one is out of date, so a setting, command,
endpoint, stage or module added without regenerating the docs is caught.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
CODE_SPAN = re.compile(r"(`[^`]*`)")


def inline(text: str) -> str:
    """One line of Markdown from a docstring or help text: RST literals become code spans,
    and outside them the characters Markdown or a table cell would take as syntax are
    escaped."""
    text = " ".join(re.sub(r"``([^`]+)``", r"`\1`", text).split())
    # Odd items are code spans, left as they are: MkDocs' tables split no cell inside one.
    parts = CODE_SPAN.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"([\\*_|\[\]])", r"\\\1", parts[i]).replace("<", "&lt;")
    return "".join(parts)


SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z`\"(])")


def summary(doc: str | None) -> str:
    """The first sentence of a docstring or comment, as one line of Markdown."""
    if not doc:
        return "*(no docstring)*"
    paragraph = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
    sentence = SENTENCE_END.split(paragraph, maxsplit=1)[0]
    return inline(re.sub(r"::$", ".", sentence))


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = [header, ("---",) * len(header), *rows]
    return "".join("| " + " | ".join(cells) + " |\n" for cells in lines)


def shown(value) -> str:
    """A default as the docs show it: paths relative to the checkout, so the tables read
    the same in every clone."""
    if isinstance(value, (str, Path)) and Path(value).is_relative_to(ROOT):
        value = os.path.relpath(value, ROOT)  # not a URL path such as /repo/
    return f"`{value}`" if value not in ("", None) else "empty"


# Settings ---------------------------------------------------------------------------------


def settings() -> str:
    """Every setting of ``satchel.settings.SETTINGS``: its variable, default and help."""
    from satchel.settings import SETTINGS

    rows = [(f"`SATCHEL_{s.name}`", shown(s.default), inline(s.help)) for s in SETTINGS]
    return table(("setting", "default", "meaning"), rows)


# Commands ---------------------------------------------------------------------------------


def synopsis(path: list[str], command: click.Command, ctx: click.Context) -> str:
    """The command line with every option and argument spelled out."""
    pieces = list(path)
    for param in command.params:
        if param.param_type_name == "argument":
            piece = param.make_metavar(ctx)
        else:
            names = [max(param.opts, key=len), *param.secondary_opts]
            piece = " | ".join(names) if param.is_flag else f"{names[0]} {param.make_metavar(ctx)}"
            piece = piece if param.required else f"[{piece}]"
        pieces.append(piece + ("..." if param.multiple else ""))
    return " ".join(pieces)


def option_rows(command: click.Command, ctx: click.Context) -> list[tuple[str, str]]:
    rows = []
    for param in command.params:
        if param.param_type_name != "option":
            continue
        names = ", ".join([*param.opts, *param.secondary_opts])
        names = f"`{names}`" if param.is_flag else f"`{names} {param.make_metavar(ctx)}`"
        help_text = inline(param.help or "")
        if param.required:
            help_text += " Required."
        if isinstance(param.show_default, str):
            help_text += f" Default: {param.show_default}."
        elif param.show_default:
            help_text += f" Default: {shown(param.default)}."
        rows.append((names, help_text.strip()))
    return rows


def command_section(path: list[str], command: click.Command, ctx: click.Context) -> str:
    """One command: a heading, its synopsis, its help and a table of its options."""
    parts = [f"### `{' '.join(path)}`\n", f"```\n{synopsis(path, command, ctx)}\n```\n"]
    if alias_of(path, command):
        parts.append(f"The same command as `{alias_of(path, command)}`.\n")
    else:
        help_text = inspect.cleandoc(command.help or "").replace("\b\n", "")
        parts += [inline(paragraph) + "\n" for paragraph in help_text.split("\n\n")]
        rows = option_rows(command, ctx)
        if rows:
            parts.append(table(("option", "meaning"), rows))
    return "\n".join(parts)


def alias_of(path: list[str], command: click.Command) -> str | None:
    """The command ``path`` names under another name (``satchel serve`` is ``run``)."""
    return " ".join([*path[:-1], command.name]) if command.name != path[-1] else None


def leaf_commands(group: click.Group, ctx: click.Context, path: list[str]):
    """``(path, command, context)`` of every command under ``group``, depth first."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        if isinstance(command, click.Group):
            yield from leaf_commands(command, sub, [*path, name])
        else:
            yield [*path, name], command, sub


def satchel_group() -> tuple[click.Group, click.Context]:
    from satchel import create_app
    from satchel.cli import SatchelGroup

    group = SatchelGroup(create_app=create_app)
    return group, group.make_context("satchel", [], resilient_parsing=True)


def commands() -> str:
    """Every command of ``satchel`` (the build's, ``i18n``'s, Flask's), with its options."""
    group, ctx = satchel_group()
    return "\n".join(command_section(*leaf) for leaf in leaf_commands(group, ctx, ["satchel"]))


def command_index() -> str:
    """One row per command: its name and the first paragraph of its help."""
    group, ctx = satchel_group()
    rows = [
        (
            f"`{' '.join(path)}`",
            f"`{alias_of(path, command)}`" if alias_of(path, command) else summary(command.help),
        )
        for path, command, _ctx in leaf_commands(group, ctx, ["satchel"])
    ]
    return table(("command", "what it does"), rows)


# The API ----------------------------------------------------------------------------------


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def openapi_document() -> dict:
    """The document the app serves at ``/api/openapi.json``."""
    from satchel import create_app

    return create_app().test_client().get("/api/openapi.json").get_json()


def response_fields(document: dict, operation: dict) -> str:
    """The members of an operation's 200 answer, from its schema, or else the first
    sentence of its description."""
    answer = operation["responses"].get("200", {})
    schema = next(iter(answer.get("content", {}).values()), {}).get("schema", {})
    many = schema.get("type") == "array"
    if many:
        schema = schema["items"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if not schema.get("properties"):  # a body the schema can't describe: its prose does
        return summary(answer.get("description")).rstrip(".")
    fields = "`{" + ", ".join(schema["properties"]) + "}`"
    return f"a list of {fields}" if many else fields


def endpoints() -> str:
    """Every operation of the OpenAPI document: its path, what it is, its query, its
    answer and its statuses."""
    document = openapi_document()
    rows = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:  # the path's own "parameters"
                continue
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            statuses = sorted(code for code in operation["responses"] if code != "default")
            about = [inline(operation.get("summary", ""))]
            if query:
                about.append("Query: " + ", ".join(f"`{name}`" for name in query) + ".")
            about.append(f"Answer: {response_fields(document, operation)}.")
            about.append(f"Statuses: {', '.join(statuses)}.")
            rows.append((f"`{method.upper()} {path}`", "<br>".join(about)))
    return table(("request", "what it is"), rows)


# The build --------------------------------------------------------------------------------


def stages() -> str:
    """The build's stages, in the order of ``satchel.stages.pipeline.STAGES``."""
    from satchel.stages.pipeline import STAGES

    rows = [
        (
            str(number),
            f"**{name}**",
            f"`{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}`",
            summary(function.__doc__),
        )
        for number, (name, function) in enumerate(STAGES, 1)
    ]
    return table(("#", "stage", "function", "what it does"), rows)


# Modules ----------------------------------------------------------------------------------


def leading_comment(source: str) -> str:
    """The first paragraph of a JavaScript module's opening ``//`` comment: up to an empty
    or indented comment line (a list or an example follows)."""
    lines = []
    for line in source.splitlines():
        text = line[3:] if line.startswith("// ") else ""
        if not line.startswith("//") or not text.strip() or text.startswith(" "):
            break
        lines.append(text)
    return "\n".join(lines)


def module_doc(path: Path) -> str | None:
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return ast.get_docstring(ast.parse(source))
    return leading_comment(source) or None


def modules(folder: str, pattern: str = "**/*.py", skip: tuple[str, ...] = ()) -> str:
    """One row per module under ``folder`` (a package by its ``__init__.py``): its path and
    the first paragraph of its docstring, or of its opening comment in JavaScript."""
    rows = []
    for path in sorted((ROOT / folder).glob(pattern)):
        relative = path.relative_to(ROOT)
        if any(part in skip for part in relative.parts) or "__pycache__" in relative.parts:
            continue
        name = f"{relative.parent}/" if path.name == "__init__.py" else str(relative)
        rows.append((f"`{name}`", summary(module_doc(path))))
    return table(("module", "its job"), rows)
