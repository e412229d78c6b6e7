from pathlib import Path

from django import forms

from annotator.media.sources import IMAGE_EXTENSIONS

from annotator.models import Membership, Subject


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    subject = forms.CharField(max_length=32, help_text="Pseudonymous code, e.g. S01; created if new.")
    files = MultipleFileField(required=False, label="Videos or images",
                              help_text="Each video (mp4, avi, mov, mkv...) or image becomes one clip.")
    folder = MultipleFileField(
        required=False, label="Or a folder of frames",
        widget=MultipleFileInput(attrs={"webkitdirectory": True}),
        help_text="One clip; frames in natural order of their names (img2 before img10).",
    )
    as_frame_folder = forms.BooleanField(required=False, label="The chosen images are the frames of one clip")
    folder_name = forms.CharField(max_length=200, required=False, label="Clip name (frame folders)")
    fps = forms.FloatField(required=False, min_value=1, max_value=10000, label="Frame rate override (fps)",
                           help_text="High-speed footage is often exported at a wrong container rate.")

    def clean(self):
        data = super().clean()
        if not data.get("files") and not data.get("folder"):
            raise forms.ValidationError("Choose video or image files, or a folder of frames.")
        if data.get("files") and data.get("folder"):
            raise forms.ValidationError("Upload files or a folder, not both at once.")
        if data.get("folder"):
            # A picked folder often carries Thumbs.db or .DS_Store along with the frames.
            frames = [f for f in data["folder"] if Path(f.name).suffix.lower() in IMAGE_EXTENSIONS]
            if not frames:
                raise forms.ValidationError("The folder holds no .jpg, .png or .bmp frames.")
            data["files"], data["as_frame_folder"] = frames, True
        return data


class SubjectForm(forms.ModelForm):
    class Meta:
        model = Subject
        fields = ["code", "consent_given", "consent_date", "notes"]
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 2})}


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="An existing account; administrators create accounts.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.CODER)


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[])
    status = forms.ChoiceField(choices=[("reviewed", "reviewed only"), ("submitted", "submitted and reviewed"),
                                        ("all", "all, drafts included")], initial="reviewed")
    coder = forms.CharField(required=False, max_length=150, help_text="username; empty: every coder")
    subject = forms.CharField(required=False, max_length=32)
    dataset = forms.CharField(required=False, max_length=64)
    consent_override = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Include subjects without consent because",
        help_text="Lead only; the reason is logged with the export.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from annotator.exports.formats import FORMATS

        self.fields["format"].choices = [(name, fmt.label) for name, fmt in FORMATS.items()]


class CompositeForm(forms.Form):
    sources = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple,
                                             help_text="Imported dataset projects you lead.")
    mapping = forms.ChoiceField(choices=[])
    custom_mapping = forms.FileField(required=False, help_text="A mapping .json file (overrides the choice above).")
    ground_truth = forms.FileField(required=False, help_text="Official composite CSV: dataset, sub, filename_o, label.")
    label_source = forms.ChoiceField(choices=[("reviewed", "reviewed (gold) codes"),
                                              ("submitted", "submitted and reviewed")], initial="reviewed")
    name = forms.CharField(required=False, max_length=200, help_text="Name of the new project (to build).")

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        from annotator.composites.mappings import NAMED

        self.fields["sources"].queryset = projects
        self.fields["mapping"].choices = [(m.name, m.title) for m in NAMED.values()]

    def clean_custom_mapping(self):
        import json

        upload = self.cleaned_data.get("custom_mapping")
        if not upload:
            return None
        if upload.size > 1 << 20:
            raise forms.ValidationError("A mapping file is at most 1 MiB.")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"The mapping file is not JSON: {exc}") from None
