"""The booking pages, included into the ``web`` namespace of ``tenant_urls`` (no namespace of
their own, so the frame's navigation finds ``web:plan`` and ``web:bookings``)."""

from django.urls import path

from deskwerk.web import booking_views

urlpatterns = [
    path("book/", booking_views.plan, name="plan"),
    path("book/list/", booking_views.plan_list, name="plan-list"),
    path("book/new/", booking_views.book, name="book"),
    path("bookings/", booking_views.bookings, name="bookings"),
    path(
        "bookings/<int:booking_id>/change/",
        booking_views.booking_change_view,
        name="booking-change",
    ),
    path(
        "bookings/<int:booking_id>/cancel/",
        booking_views.booking_cancel_view,
        name="booking-cancel",
    ),
]
