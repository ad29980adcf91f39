"""Form helpers shared by every app's pages."""

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from ground.uploads import TOO_LARGE, UploadError, check_upload_size


def bootstrap(form: forms.BaseForm, *, small: bool = False) -> None:
    """Give each widget Bootstrap's class (form-control, form-select, form-check-input), kept beside
    any class it already has; `small` for forms laid out in table rows, whose column headers are not
    the widgets' <label>s: each widget is then named by its field's label (aria-label)."""
    size = "-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if small and field.label and "aria-label" not in widget.attrs:
            widget.attrs["aria-label"] = field.label
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


class SheetFileForm(BootstrapForm):
    """One exchange sheet to upload (.xlsx or .csv), refused when empty or over the platform's size
    limit (ground.uploads.check_upload_size) before anything is stored. A page's form names its
    file and may word the too-large advice:

        class InventoryUploadForm(SheetFileForm):
            file_label = gettext_lazy("盘点结果文件")
            file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 3 节")
    """

    file_label: str | Promise = gettext_lazy("文件")
    file_help: str | Promise = gettext_lazy("Excel(.xlsx)或 CSV 文件")
    too_large: str | Promise = TOO_LARGE

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"] = forms.FileField(
            label=self.file_label, help_text=self.file_help,
            widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            check_upload_size(uploaded.size, too_large=self.too_large)
        except UploadError as error:
            raise forms.ValidationError(str(error), code="refused") from None
        return uploaded
