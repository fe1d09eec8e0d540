from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/<id:notification_id>/read/",
        api.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
    path(
        "notifications/read-all/",
        api.NotificationReadAllApi.as_view(),
        name="api-notifications-read-all",
    ),
    path(
        "notifications/preferences/",
        api.PreferencesApi.as_view(),
        name="api-notification-preferences",
    ),
    path("notifications/lists/", api.ConsentsApi.as_view(), name="api-consents"),
    path(
        "notifications/lists/subscribe/",
        api.ConsentSubscribeApi.as_view(),
        name="api-consent-subscribe",
    ),
    path(
        "notifications/lists/unsubscribe/",
        api.ConsentUnsubscribeApi.as_view(),
        name="api-consent-unsubscribe",
    ),
]
