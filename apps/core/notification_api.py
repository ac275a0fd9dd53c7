"""API of the caller's in-app notifications."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.models import Notification
from apps.core.notifications import notifications_for, notifications_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None, help_text="All when omitted."
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


@extend_schema_view(list=extend_schema(tags=["notifications"]))
class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's notifications, newest first (matches, subscriptions, deals, reviews)."""

    serializer_class = NotificationSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        queryset = notifications_for(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(tags=["notifications"], request=MarkReadSerializer, responses={200: MarkReadResultSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark the given notifications (or all) read; other users' ids are ignored."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notifications_mark_read(user=request.user, ids=serializer.validated_data["ids"])
        return Response({"marked": marked})
