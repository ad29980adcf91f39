"""Form helpers shared by every app's pages."""

from django import forms


def bootstrap(form: forms.BaseForm, *, small: bool = False) -> None:
    """Give each widget Bootstrap's class (form-control, form-select, form-check-input), kept beside
    any class it already has; `small` for forms laid out in table rows."""
    size = "-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = f"form-select form-select{size}" if small else "form-select"
        else:
            css = f"form-control form-control{size}" if small else "form-control"
        if css.split()[0] not in widget.attrs.get("class", "").split():
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Show a service's {field: message} on the form's fields ("" and unknown fields on top)."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
