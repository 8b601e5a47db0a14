"""Template overrides (one partial at a time), clear errors, and render settings in the config."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.errors import ConfigError, TemplateError
from newsletter.render import Renderer
from newsletter.render.environment import builtin_templates_dir
from tests.readers import read_eml


def add_setting(config_file: Path, line: str) -> None:
    """Set a key of the newsletter section, replacing the line if the key is there."""
    key = line.split(":", 1)[0]
    text = re.sub(rf"(?m)^  {key}:.*$\n?", "", config_file.read_text(), count=1)
    config_file.write_text(text.replace("  timezone: UTC", f"  timezone: UTC\n  {line}", 1))


def test_one_partial_overridden_the_rest_built_in(config_file: Path, run_cli) -> None:
    override = config_file.parent / "my-templates" / "partials"
    override.mkdir(parents=True)
    (override / "footer.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text><p>Custom footer for {{ ctx.newsletter_name }}</p>"
        '<a href="{{ ctx.unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section>'
    )
    add_setting(config_file, "templates_dir: my-templates")
    out = config_file.parent.parent / "pv"
    result = run_cli("preview", "--date", "2025-10-03", "--out", str(out))
    assert result.exit_code == 0, result.output
    html = read_eml(out / "issue.eml").html
    assert "Custom footer for Daily Papers" in html
    assert "In this issue" in html  # the built-in table of contents is still used
    assert "Manage your topics" not in html


def test_missing_template_names_every_path_searched(tmp_path: Path, sample_issue, context_for):
    (tmp_path / "issue.mjml.j2").write_text('{% include "partials/nope.mjml.j2" %}')
    with pytest.raises(TemplateError) as caught:
        Renderer(tmp_path).render(sample_issue, context_for(sample_issue))
    message = str(caught.value)
    assert "'partials/nope.mjml.j2' not found" in message
    assert str(tmp_path / "partials" / "nope.mjml.j2") in message
    assert str(builtin_templates_dir() / "partials" / "nope.mjml.j2") in message


def test_template_syntax_error_names_the_file(tmp_path: Path, sample_issue, context_for):
    shutil.copytree(builtin_templates_dir(), tmp_path / "t")
    (tmp_path / "t" / "partials" / "paper.mjml.j2").write_text("{% if %}")
    with pytest.raises(TemplateError, match=r"paper\.mjml\.j2:1"):
        Renderer(tmp_path / "t").render(sample_issue, context_for(sample_issue))


def test_subject_template_is_configurable(config_file: Path, run_cli) -> None:
    text = config_file.read_text().replace(
        'subject: "{name}, {date:%a %d %b}: {n_papers} in {n_topics}"',
        'subject: "{date:%A}: {papers} new papers"',
    )
    config_file.write_text(text)
    out = config_file.parent.parent / "pv"
    result = run_cli("preview", "--date", "2025-10-03", "--out", str(out))
    assert "Subject: Friday: 39 new papers" in result.output
    assert "<title>Friday: 39 new papers</title>" in (out / "issue.html").read_text()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('subject: "{name} {when}"', "newsletter.subject: "),
        ("web_font_url: https://fonts.example.org/x.css", "set both or neither"),
        ("html_budget_bytes: 150000", "newsletter.html_budget_bytes"),
    ],
)
def test_render_settings_are_checked(config_file: Path, line: str, expected: str) -> None:
    add_setting(config_file, line)
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert expected in str(caught.value)
    assert "newsletter.yaml:" in str(caught.value)


def test_preview_reports_size_and_step(config_file: Path, run_cli) -> None:
    result = run_cli("preview", "--date", "2025-10-03", "--out", str(config_file.parent / "p"))
    assert result.exit_code == 0
    assert "bytes of 100,000 allowed" in result.output
    assert "size budget step 0 (full)" in result.output


def test_render_settings_are_documented_in_the_example_config() -> None:
    from tests.conftest import SHIPPED_CONFIG

    text = SHIPPED_CONFIG.read_text()
    for key in ("summary_chars", "templates_dir", "html_budget_bytes", "short_summary_chars",
                "show_thumbnails", "show_reasons", "web_font_url", "web_font_family",
                "subject"):  # fmt: skip
        assert re.search(rf"(?m)^  #? ?{key}:", text), key
