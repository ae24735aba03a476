"""The scan buffer: scans reach the database in bulk, once, whatever happened in between."""

import pytest

from catalog import services
from catalog.models import ScanEvent
from tests import factories
from tests.catalog.helpers import flushed_scans, label_path

pytestmark = pytest.mark.django_db


def test_a_scan_of_a_label_deleted_before_the_flush_is_kept_without_its_label(client, store):
    # given two scans, then one of the labels is removed from the shelf system
    kept, removed = (
        factories.make_label(offer=factories.make_offer(store=store)),
        factories.make_label(offer=factories.make_offer(store=store)),
    )
    client.get(label_path(kept.code))
    client.get(label_path(removed.code))
    removed_product_id = removed.offer.product_id
    removed.delete()

    # when the buffer is flushed
    scans = flushed_scans()

    # then both scans are written, the second without its label, and the buffer is empty
    assert [(s.label_id, s.product_id) for s in scans] == [
        (kept.pk, kept.offer.product_id),
        (None, removed_product_id),
    ]
    assert services.flush_scan_buffer() == 0


def test_a_scan_of_a_deleted_product_is_dropped_and_does_not_block_later_scans(client, store):
    doomed, later = (
        factories.make_label(offer=factories.make_offer(store=store)),
        factories.make_label(offer=factories.make_offer(store=store)),
    )
    client.get(label_path(doomed.code))
    doomed.offer.product.delete()
    client.get(label_path(later.code))

    assert [s.label_id for s in flushed_scans()] == [later.pk]


def test_flushing_twice_writes_each_scan_once(client, store):
    label = factories.make_label(offer=factories.make_offer(store=store))
    client.get(label_path(label.code))

    services.flush_scan_buffer()
    services.flush_scan_buffer()

    assert ScanEvent.objects.filter(label=label).count() == 1
