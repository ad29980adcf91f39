from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
    path("robots/", views.robots, name="robots"),
    path("robots/<int:pk>/delete/", views.robot_delete, name="robot_delete"),
    path("robots/<int:pk>/toggle/", views.robot_toggle, name="robot_toggle"),
    path("robots/<int:pk>/test/", views.robot_test, name="robot_test"),
    path("deliveries/", views.deliveries, name="deliveries"),
]
