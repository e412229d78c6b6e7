"""Forms of project set-up, accounts, assignments and the agreement filters: parsing only; the services
check and write."""

from django import forms

from annotator.facs import AU_NAMES
from annotator.models import CodingEvent
from annotator.selectors.assignments import CLIP_FILTER_STATUSES


def _words(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    emotion_labels = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text="Comma-separated, e.g. happiness, surprise, disgust, repression, others")
    au_set = forms.CharField(label="Action Units", help_text="Comma-separated AU numbers, e.g. 1, 2, 4, 12, 14")
    default_fps = forms.FloatField(label="Default frame rate (fps)", min_value=0.001, max_value=10000)
    event_kinds = forms.MultipleChoiceField(choices=CodingEvent.Kind.choices, widget=forms.CheckboxSelectMultiple,
                                           label="Event kinds")

    @classmethod
    def for_project(cls, project, data=None):
        return cls(data, initial={
            "name": project.name, "description": project.description,
            "emotion_labels": ", ".join(project.emotion_labels), "au_set": ", ".join(map(str, project.au_set)),
            "default_fps": project.default_fps, "event_kinds": project.event_kinds})

    def clean_emotion_labels(self):
        return _words(self.cleaned_data["emotion_labels"])

    def clean_au_set(self):
        numbers = []
        for word in _words(self.cleaned_data["au_set"]):
            word = word.upper().removeprefix("AU")
            if not word.isdigit() or int(word) not in AU_NAMES:
                raise forms.ValidationError(f"{word!r} is not a FACS Action Unit number.")
            numbers.append(int(word))
        return numbers


class AccountForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    is_staff = forms.BooleanField(required=False, label="Site administrator (creates accounts)")


class AssignForm(forms.Form):
    clips = forms.CharField(required=False, help_text="Clip ids, comma-separated; or leave empty and filter below.")
    subject = forms.CharField(required=False, max_length=32)
    dataset = forms.CharField(required=False, max_length=64)
    status = forms.ChoiceField(choices=list(CLIP_FILTER_STATUSES.items()), initial="unassigned", required=False,
                               label="Clips")
    coder_1 = forms.ChoiceField(choices=[], label="Coder")
    coder_2 = forms.ChoiceField(choices=[], required=False, label="Second coder (blind double coding)")
    due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    priority = forms.IntegerField(initial=0, min_value=-1000, max_value=1000)

    def __init__(self, *args, coders=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(name, name) for name in coders]
        self.fields["coder_1"].choices = choices
        self.fields["coder_2"].choices = [("", "(none: single coding)")] + choices

    def clean_clips(self):
        words = _words(self.cleaned_data["clips"])
        if not all(word.isdigit() for word in words):
            raise forms.ValidationError("Clip ids are whole numbers separated by commas.")
        return [int(word) for word in words]

    def clean(self):
        data = super().clean()
        if data.get("coder_2") and data.get("coder_2") == data.get("coder_1"):
            self.add_error("coder_2", "Blind double coding needs two different coders.")
        if not data.get("clips") and not (data.get("subject") or data.get("dataset")) \
                and data.get("status", "any") == "any":
            raise forms.ValidationError("Give clip ids, or narrow the set by subject, dataset or status.")
        return data


class AgreementFilterForm(forms.Form):
    coder_a = forms.CharField(required=False, max_length=150)
    coder_b = forms.CharField(required=False, max_length=150)
    subject = forms.CharField(required=False, max_length=32)
    dataset = forms.CharField(required=False, max_length=64)

    def filters(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value} if self.is_valid() else {}
