"""The pick-and-pack API for the staff tablets (and a native app): one view per operation,
nested input/output serializers, services hold the logic, domain errors become one 4xx.

Who may act: pickers (and managers) pick, packers (and managers) pack, managers reassign; always
in their own stores only (another store's task is a 404, as unknown as a missing one)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import member_for
from catalog.models import TemperatureZone
from fulfillment.models import PickScan, SubstitutionChoice
from fulfillment.picking import pickup, selectors, services, substitutions
from omostore.errors import DomainError, Forbidden, NotFound
from orders.live import local_iso
from stores.roles import Role
from stores.selectors import has_store_role, store_by_code, store_ids_for

PICK_ROLES = [Role.PICKER, Role.MANAGER]
PACK_ROLES = [Role.PACKER, Role.MANAGER]
COUNTER_ROLES = [Role.EXIT, Role.PACKER, Role.MANAGER]


def scope(user, roles) -> list[int] | None:
    """The stores where `user` may act in one of `roles`; None for a superuser (every store)."""
    if user.is_superuser:
        return None
    return store_ids_for(user=user, roles=roles)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _store_for(user, code: str, roles):
    store = store_by_code(code=code)
    if store is None or not has_store_role(user=user, store_id=store.pk, roles=roles):
        raise NotFound(_("Unknown store."))
    return store


class PickerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskSummarySerializer(serializers.Serializer):
    """A task in a zone's queue (the zone group's `tasks`, docs/realtime.md)."""

    id = serializers.IntegerField()
    order_number = serializers.CharField()
    channel = serializers.CharField()
    zone = serializers.CharField()
    status = serializers.CharField()
    due_at = serializers.CharField()
    picker = PickerSerializer(allow_null=True)
    lines = serializers.IntegerField()
    lines_done = serializers.IntegerField()


class ZoneQueueSerializer(serializers.Serializer):
    store = serializers.CharField()
    zone = serializers.CharField()
    queue_statuses = serializers.ListField(child=serializers.CharField())
    tasks = TaskSummarySerializer(many=True)


class SubstitutionStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    name = serializers.DictField(child=serializers.CharField())
    quantity = serializers.IntegerField()
    expires_at = serializers.CharField()


class TaskDetailSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        position = serializers.IntegerField()
        sku = serializers.CharField()
        name = serializers.SerializerMethodField()
        aisle = serializers.CharField()
        bay = serializers.IntegerField(allow_null=True)
        sold_by = serializers.CharField()
        quantity_ordered = serializers.IntegerField(help_text="Pieces, or grams if weighed.")
        quantity_picked = serializers.IntegerField()
        status = serializers.CharField()
        image = serializers.SerializerMethodField()
        substitution = serializers.SerializerMethodField()

        def get_name(self, line) -> dict:
            return {"en": line.name_en, "ja": line.name_ja}

        @extend_schema_field(SubstitutionStateSerializer(allow_null=True))
        def get_substitution(self, line) -> dict | None:
            last = None
            for substitution in line.substitutions.all():
                last = substitution
            if last is None:
                return None
            return {
                "id": last.pk,
                "status": last.status,
                "name": {"en": last.offer.product.name_en, "ja": last.offer.product.name_ja},
                "quantity": last.quantity,
                "expires_at": local_iso(last.expires_at, line.task.store.time_zone),
            }

        def get_image(self, line) -> str | None:
            image = line.offer.product.image
            return image.url if image else None

    class BagSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        number = serializers.IntegerField()
        zone = serializers.CharField()
        items = serializers.IntegerField(help_text="Items confirmed into it (a weighed one: 1).")
        closed = serializers.SerializerMethodField()

        def get_closed(self, bag) -> bool:
            return bag.closed_at is not None

    id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.number")
    channel = serializers.CharField(source="order.channel")
    zone = serializers.CharField()
    status = serializers.CharField()
    due_at = serializers.SerializerMethodField()
    picker = serializers.SerializerMethodField()
    lines = LineSerializer(many=True)
    bags = BagSerializer(many=True)
    open_bag = serializers.IntegerField(
        source="open_bag_id", allow_null=True, help_text="The bag items go into now, if any."
    )

    def get_due_at(self, task) -> str:
        return local_iso(task.due_at, task.store.time_zone)

    def get_picker(self, task) -> int | None:
        return task.picker_id


def _detail(task_id: int, store_ids) -> Response:
    task = selectors.task_detail(task_id=task_id, store_ids=store_ids)
    if task is None:
        raise NotFound(_("No such pick task."))
    return Response(TaskDetailSerializer(task).data)


class ZoneQueueApi(APIView):
    """The queue of every zone of a store (or of `zone`), most urgent first."""

    @extend_schema(
        parameters=[OpenApiParameter("zone", str, enum=TemperatureZone.values)],
        responses=ZoneQueueSerializer(many=True),
    )
    def get(self, request, store_code: str):
        store = _store_for(request.user, store_code, PICK_ROLES)
        zone = request.query_params.get("zone")
        if zone is not None and zone not in TemperatureZone.values:
            raise DomainError(
                _("zone must be one of %(zones)s.") % {"zones": ", ".join(TemperatureZone.values)}
            )
        zones = [zone] if zone else TemperatureZone.values
        return Response(
            [selectors.zone_snapshot(store=store, zone=z) for z in zones],
        )


class TaskApi(APIView):
    @extend_schema(responses=TaskDetailSerializer)
    def get(self, request, task_id: int):
        return _detail(task_id, scope(request.user, PICK_ROLES))


class ClaimApi(APIView):
    @extend_schema(request=None, responses=TaskDetailSerializer)
    def post(self, request, task_id: int):
        store_ids = scope(request.user, PICK_ROLES)
        services.claim_task(task_id=task_id, picker=request.user, store_ids=store_ids)
        return _detail(task_id, store_ids)


class UnclaimApi(APIView):
    @extend_schema(request=None, responses=TaskDetailSerializer)
    def post(self, request, task_id: int):
        store_ids = scope(request.user, PICK_ROLES)
        services.unclaim_task(task_id=task_id, user=request.user, store_ids=store_ids)
        return _detail(task_id, store_ids)


class ReassignApi(APIView):
    class InputSerializer(serializers.Serializer):
        picker = serializers.IntegerField(help_text="The user id of a picker of the store.")

    @extend_schema(request=InputSerializer, responses=TaskDetailSerializer)
    def post(self, request, task_id: int):
        data = _valid(self.InputSerializer, request.data)
        store_ids = scope(request.user, [Role.MANAGER])
        picker = User.objects.filter(pk=data["picker"], is_active=True).first()
        if picker is None:
            raise NotFound(_("No such picker."))
        services.reassign_task(
            task_id=task_id, manager=request.user, picker=picker, store_ids=store_ids
        )
        return _detail(task_id, store_ids)


class ScanApi(APIView):
    class InputSerializer(serializers.Serializer):
        barcode = serializers.CharField(max_length=32, allow_blank=True)
        source = serializers.ChoiceField(
            choices=[PickScan.Source.CAMERA, PickScan.Source.WEDGE, PickScan.Source.TYPED]
        )
        client_id = serializers.CharField(
            max_length=64, help_text="Chosen by the tablet: the same id again counts once."
        )

    @extend_schema(request=InputSerializer, responses=TaskDetailSerializer)
    def post(self, request, task_id: int, line_id: int):
        data = _valid(self.InputSerializer, request.data)
        store_ids = scope(request.user, PICK_ROLES)
        services.confirm_item(
            task_id=task_id, line_id=line_id, picker=request.user, store_ids=store_ids, **data
        )
        return _detail(task_id, store_ids)


class WeighApi(APIView):
    class InputSerializer(serializers.Serializer):
        grams = serializers.IntegerField()
        client_id = serializers.CharField(max_length=64)
        confirmed = serializers.BooleanField(
            default=False, help_text="True to accept a weight outside the tolerance."
        )

    @extend_schema(request=InputSerializer, responses=TaskDetailSerializer)
    def post(self, request, task_id: int, line_id: int):
        data = _valid(self.InputSerializer, request.data)
        store_ids = scope(request.user, PICK_ROLES)
        services.weigh_item(
            task_id=task_id, line_id=line_id, picker=request.user, store_ids=store_ids, **data
        )
        return _detail(task_id, store_ids)


class ShortApi(APIView):
    @extend_schema(request=None, responses=TaskDetailSerializer)
    def post(self, request, task_id: int, line_id: int):
        store_ids = scope(request.user, PICK_ROLES)
        services.report_short(
            task_id=task_id, line_id=line_id, picker=request.user, store_ids=store_ids
        )
        return _detail(task_id, store_ids)


class NewBagApi(APIView):
    @extend_schema(request=None, responses=TaskDetailSerializer)
    def post(self, request, task_id: int):
        store_ids = scope(request.user, PICK_ROLES)
        services.open_new_bag(task_id=task_id, picker=request.user, store_ids=store_ids)
        return _detail(task_id, store_ids)


class OpenBagApi(APIView):
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=80, help_text="What the bag label's QR says.")

    @extend_schema(request=InputSerializer, responses=TaskDetailSerializer)
    def post(self, request, task_id: int):
        data = _valid(self.InputSerializer, request.data)
        store_ids = scope(request.user, PICK_ROLES)
        services.open_bag(
            task_id=task_id, picker=request.user, store_ids=store_ids, signed=data["code"]
        )
        return _detail(task_id, store_ids)


class FinishApi(APIView):
    class InputSerializer(serializers.Serializer):
        bags = serializers.IntegerField(
            required=False,
            help_text="How many bags the items went into; ignored (and not needed) when the "
            "picker opened bags while picking.",
        )

    @extend_schema(request=InputSerializer, responses=TaskDetailSerializer)
    def post(self, request, task_id: int):
        data = _valid(self.InputSerializer, request.data)
        store_ids = scope(request.user, PICK_ROLES)
        services.finish_task(
            task_id=task_id, picker=request.user, store_ids=store_ids, bags=data.get("bags")
        )
        return _detail(task_id, store_ids)


class PackingOrderSerializer(serializers.Serializer):
    class BagSerializer(serializers.Serializer):
        number = serializers.IntegerField()
        zone = serializers.CharField()
        scanned = serializers.BooleanField()

    number = serializers.CharField()
    channel = serializers.CharField()
    due_at = serializers.CharField(help_text="The earliest due time of its tasks (local ISO).")
    zones = serializers.ListField(child=serializers.CharField())
    bags = BagSerializer(many=True)


def _packing_rows(store) -> list[dict]:
    return selectors.packing_rows(store_id=store.pk)


class PackingApi(APIView):
    """The packing station's orders: every zone picked, not packed yet."""

    @extend_schema(responses=PackingOrderSerializer(many=True))
    def get(self, request, store_code: str):
        store = _store_for(request.user, store_code, PACK_ROLES)
        return Response(_packing_rows(store))


def _packing_order(store, number: str):
    order = selectors.order_to_pack(store_id=store.pk, number=number)
    if order is None:
        raise NotFound(_("No such order to pack."))
    return order


class PackingBagApi(APIView):
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=80, help_text="What the bag label's QR says.")

    @extend_schema(request=InputSerializer, responses=PackingOrderSerializer(many=True))
    def post(self, request, store_code: str, number: str):
        data = _valid(self.InputSerializer, request.data)
        store = _store_for(request.user, store_code, PACK_ROLES)
        order = _packing_order(store, number)
        services.scan_bag_at_packing(signed=data["code"], order_id=order.pk, store_id=store.pk)
        return Response(_packing_rows(store))


class PackApi(APIView):
    @extend_schema(request=None, responses=PackingOrderSerializer(many=True))
    def post(self, request, store_code: str, number: str):
        store = _store_for(request.user, store_code, PACK_ROLES)
        order = _packing_order(store, number)
        services.pack_order(order_id=order.pk, store_id=store.pk, packer=request.user)
        return Response(_packing_rows(store))


# --- Substitutions ------------------------------------------------------------------------------


class SubstituteSerializer(serializers.Serializer):
    offer = serializers.IntegerField(source="offer.pk")
    sku = serializers.CharField(source="offer.product.sku")
    name = serializers.SerializerMethodField()
    aisle = serializers.CharField(source="offer.aisle")
    bay = serializers.IntegerField(source="offer.bay", allow_null=True)
    price = serializers.IntegerField(help_text="What the shopper pays per unit (minor units).")

    def get_name(self, row) -> dict:
        return {"en": row["offer"].product.name_en, "ja": row["offer"].product.name_ja}


class SubstitutesApi(APIView):
    """Ranked substitutes for a line still to pick (empty when the shopper wants none)."""

    @extend_schema(responses=SubstituteSerializer(many=True))
    def get(self, request, task_id: int, line_id: int):
        store_ids = scope(request.user, PICK_ROLES)
        _task, line = services.lookup_line(task_id=task_id, line_id=line_id, store_ids=store_ids)
        return Response(
            SubstituteSerializer(substitutions.rank_substitutes(line=line), many=True).data
        )


class ProposeApi(APIView):
    class InputSerializer(serializers.Serializer):
        offer = serializers.IntegerField(help_text="One of the ranked substitutes' offer ids.")

    @extend_schema(request=InputSerializer, responses=TaskDetailSerializer)
    def post(self, request, task_id: int, line_id: int):
        data = _valid(self.InputSerializer, request.data)
        store_ids = scope(request.user, PICK_ROLES)
        substitutions.propose_substitute(
            task_id=task_id,
            line_id=line_id,
            picker=request.user,
            store_ids=store_ids,
            offer_id=data["offer"],
        )
        return _detail(task_id, store_ids)


def _member(request):
    member = member_for(user=request.user)
    if member is None:
        raise Forbidden(_("Only members can do this."))
    return member


class OrderPickingSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        line_id = serializers.IntegerField()
        name = serializers.DictField(child=serializers.CharField())
        sold_by = serializers.CharField()
        quantity = serializers.IntegerField()
        picked = serializers.IntegerField()
        status = serializers.CharField(
            help_text="waiting, pending, picked, short, asking (a substitute proposed), substituted"
        )
        substitute = serializers.DictField(
            child=serializers.CharField(), allow_null=True, help_text="Its name, if substituted."
        )
        choice = serializers.ChoiceField(choices=SubstitutionChoice.Choice.values)
        choice_sku = serializers.CharField(allow_blank=True)

    class ProposalSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        line_id = serializers.IntegerField()
        original = serializers.DictField(child=serializers.CharField())
        substitute = serializers.DictField(child=serializers.CharField())
        substitute_sku = serializers.CharField()
        quantity = serializers.IntegerField()
        unit_price = serializers.DictField()
        status = serializers.CharField()
        expires_at = serializers.CharField()

    number = serializers.CharField()
    status = serializers.CharField()
    items_total = serializers.IntegerField()
    items_picked = serializers.IntegerField()
    lines = LineSerializer(many=True)
    proposals = ProposalSerializer(many=True)
    pickup_code = serializers.CharField(
        allow_null=True, help_text="The 6-digit code to show at the counter, once ready."
    )


def _picking_response(member, number: str) -> Response:
    order = substitutions.member_order(member=member, number=number)
    body = selectors.order_picking(order=order)
    body["pickup_code"] = (
        pickup.short_code(number=order.number)
        if order.channel == "pickup" and order.status == "ready_for_pickup"
        else None
    )
    return Response(body)


class OrderPickingApi(APIView):
    """The shopper's view of the picking of their order (fetched again on `pick.progress`)."""

    @extend_schema(responses=OrderPickingSerializer)
    def get(self, request, number: str):
        return _picking_response(_member(request), number)


class SubstitutionChoiceApi(APIView):
    class InputSerializer(serializers.Serializer):
        choice = serializers.ChoiceField(choices=SubstitutionChoice.Choice.values)
        sku = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=OrderPickingSerializer)
    def put(self, request, number: str, line_id: int):
        data = _valid(self.InputSerializer, request.data)
        member = _member(request)
        substitutions.choose_substitution(
            member=member, number=number, line_id=line_id, choice=data["choice"], sku=data["sku"]
        )
        return _picking_response(member, number)


class SubstitutionAnswerApi(APIView):
    class InputSerializer(serializers.Serializer):
        accept = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=OrderPickingSerializer)
    def post(self, request, number: str, substitution_id: int):
        data = _valid(self.InputSerializer, request.data)
        member = _member(request)
        substitutions.answer_substitution(
            member=member, number=number, substitution_id=substitution_id, accept=data["accept"]
        )
        return _picking_response(member, number)


# --- Pickup at the counter ----------------------------------------------------------------------


class PickupSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    member = serializers.CharField(help_text="The shopper's name, to greet them.")
    bags = PackingOrderSerializer.BagSerializer(many=True)


def _pickup_body(order) -> dict:
    user = order.member.user
    return {
        "number": order.number,
        "status": order.status,
        "member": user.display_name or user.email.split("@")[0],
        "bags": [
            {"number": bag.number, "zone": bag.zone, "scanned": bag.scanned_at is not None}
            for bag in pickup.bags_to_hand_over(order=order)
        ],
    }


class PickupVerifyApi(APIView):
    """The counter scans the shopper's pickup QR or types the 6-digit code."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=120)

    @extend_schema(request=InputSerializer, responses=PickupSerializer)
    def post(self, request, store_code: str):
        data = _valid(self.InputSerializer, request.data)
        store = _store_for(request.user, store_code, COUNTER_ROLES)
        order = pickup.find_pickup(store_id=store.pk, code=data["code"])
        return Response(_pickup_body(order))


class PickupHandOverApi(APIView):
    @extend_schema(request=None, responses=PickupSerializer)
    def post(self, request, store_code: str, number: str):
        store = _store_for(request.user, store_code, COUNTER_ROLES)
        order = pickup.hand_over(store_id=store.pk, number=number, staff=request.user)
        return Response(_pickup_body(order))
