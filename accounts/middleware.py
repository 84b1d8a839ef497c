from .access import organizations_for

SESSION_KEY = "current_organization_id"


class CurrentOrganizationMiddleware:
    """Set `request.organization` to the organisation the user works in.

    The choice is kept in the session; a user with one organisation always
    works in it. The value is None for anonymous users and users without an
    organisation.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            organizations = organizations_for(user)
            chosen = request.session.get(SESSION_KEY)
            organization = organizations.filter(pk=chosen).first() if chosen else None
            if organization is None:
                organization = organizations.order_by("pk").first()
            request.organization = organization
        return self.get_response(request)
