from django.contrib.auth.middleware import LoginRequiredMiddleware
from rest_framework.views import APIView


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Every page needs a login; API views are left to DRF so token clients get 401, not a redirect."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
