from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from recognition.models import Gallery
from tests.factories import SecretaryFactory, TeacherFactory, UserFactory
from tests.recognition.gallery.pages_support import logged_in, processed_photo

pytestmark = pytest.mark.django_db


def page_urls(gallery: Gallery) -> list[str]:
    photo = processed_photo(gallery, 1)
    return ["/galleries/", f"/galleries/{gallery.pk}/", f"/galleries/{gallery.pk}/photos/{photo.pk}/"]


def test_a_secretary_opens_the_gallery_list_the_gallery_and_its_photos(gallery: Gallery) -> None:
    client = logged_in(SecretaryFactory())

    responses = [client.get(url) for url in page_urls(gallery)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert "Festa junina" in responses[0].content.decode()
    assert f'href="/galleries/{gallery.pk}/"' in responses[0].content.decode()


def test_a_teacher_without_gallery_rights_is_refused_the_gallery_pages(gallery: Gallery) -> None:
    client = logged_in(TeacherFactory())

    assert [client.get(url).status_code for url in page_urls(gallery)] == [403, 403, 403]


def test_staff_without_the_match_view_permission_is_refused(gallery: Gallery) -> None:
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_gallery"))

    assert logged_in(user).get(f"/galleries/{gallery.pk}/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, gallery: Gallery) -> None:
    for url in page_urls(gallery):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(f"/accounts/login/?next={url}")


def test_a_photo_of_another_gallery_is_not_found(gallery: Gallery) -> None:
    other = Gallery.objects.create(title="Formatura")
    photo = processed_photo(other, 1)

    response = logged_in(SecretaryFactory()).get(f"/galleries/{gallery.pk}/photos/{photo.pk}/")

    assert response.status_code == 404


def test_the_navigation_links_the_galleries_only_for_those_who_may_see_them(gallery: Gallery) -> None:
    secretary_page = logged_in(SecretaryFactory()).get("/classes/").content.decode()
    teacher_page = logged_in(TeacherFactory()).get("/classes/").content.decode()

    assert 'href="/galleries/"' in secretary_page
    assert 'href="/galleries/"' not in teacher_page


def test_the_admin_gallery_page_links_to_the_gallery_page(gallery: Gallery) -> None:
    page = logged_in(SecretaryFactory()).get(f"/admin/recognition/gallery/{gallery.pk}/change/").content.decode()

    assert f'href="/galleries/{gallery.pk}/"' in page
