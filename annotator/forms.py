from django import forms

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
    files = MultipleFileField(help_text="Videos (mp4, avi, mov, mkv...) or images.")
    as_frame_folder = forms.BooleanField(
        required=False, label="Images are the frames of one clip",
        help_text="Frames are ordered by natural sort of their names (img2 before img10).",
    )
    folder_name = forms.CharField(max_length=200, required=False, label="Clip name (frame folders)")
    fps = forms.FloatField(required=False, min_value=1, max_value=10000, label="Frame rate override (fps)")


class SubjectForm(forms.ModelForm):
    class Meta:
        model = Subject
        fields = ["code", "consent_given", "consent_date", "notes"]
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 2})}


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="An existing account; administrators create accounts.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.CODER)
