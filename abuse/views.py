from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def case_list(request):
    return HttpResponse("")


@login_required
def case_detail(request, pk):
    return HttpResponse("")
