from django import forms


class PtrForm(forms.Form):
    address = forms.GenericIPAddressField(protocol="IPv4", help_text="An address inside the lease.")
    hostname = forms.CharField(
        max_length=254, required=False,
        help_text="The PTR name, e.g. mail.example.net. Leave empty to remove the PTR.",
    )


class DropUploadForm(forms.Form):
    file = forms.FileField(help_text="drop.txt (legacy text) or drop_v4.json (one JSON object per line).")
