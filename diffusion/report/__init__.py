"""The self-contained HTML report and its JSON result document: sections, figures, labels, template.

Only this subpackage imports matplotlib, seaborn and Jinja2."""

from diffusion._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "diffusion.report.render": [
            "render_html",
            "render_report",
            "report_context",
            "report_filename",
            "result_document",
            "write_report",
        ],
    },
)
