from django.urls import path

from fulfillment import api

urlpatterns = [
    path(
        "staff/stores/<slug:store_code>/pick-queue/",
        api.ZoneQueueApi.as_view(),
        name="api-pick-queue",
    ),
    path("staff/pick-tasks/<int:task_id>/", api.TaskApi.as_view(), name="api-pick-task"),
    path("staff/pick-tasks/<int:task_id>/claim/", api.ClaimApi.as_view(), name="api-pick-claim"),
    path(
        "staff/pick-tasks/<int:task_id>/unclaim/", api.UnclaimApi.as_view(), name="api-pick-unclaim"
    ),
    path(
        "staff/pick-tasks/<int:task_id>/reassign/",
        api.ReassignApi.as_view(),
        name="api-pick-reassign",
    ),
    path("staff/pick-tasks/<int:task_id>/bags/", api.NewBagApi.as_view(), name="api-pick-new-bag"),
    path(
        "staff/pick-tasks/<int:task_id>/bags/open/",
        api.OpenBagApi.as_view(),
        name="api-pick-open-bag",
    ),
    path("staff/pick-tasks/<int:task_id>/finish/", api.FinishApi.as_view(), name="api-pick-finish"),
    path(
        "staff/pick-tasks/<int:task_id>/lines/<int:line_id>/scan/",
        api.ScanApi.as_view(),
        name="api-pick-scan",
    ),
    path(
        "staff/pick-tasks/<int:task_id>/lines/<int:line_id>/weigh/",
        api.WeighApi.as_view(),
        name="api-pick-weigh",
    ),
    path(
        "staff/pick-tasks/<int:task_id>/lines/<int:line_id>/short/",
        api.ShortApi.as_view(),
        name="api-pick-short",
    ),
    path("staff/stores/<slug:store_code>/packing/", api.PackingApi.as_view(), name="api-packing"),
    path(
        "staff/stores/<slug:store_code>/packing/<str:number>/bags/",
        api.PackingBagApi.as_view(),
        name="api-packing-bag",
    ),
    path(
        "staff/stores/<slug:store_code>/packing/<str:number>/pack/",
        api.PackApi.as_view(),
        name="api-pack",
    ),
    path(
        "staff/pick-tasks/<int:task_id>/lines/<int:line_id>/substitutes/",
        api.SubstitutesApi.as_view(),
        name="api-pick-substitutes",
    ),
    path(
        "staff/pick-tasks/<int:task_id>/lines/<int:line_id>/substitute/",
        api.ProposeApi.as_view(),
        name="api-pick-propose",
    ),
    path("orders/<str:number>/picking/", api.OrderPickingApi.as_view(), name="api-order-picking"),
    path(
        "orders/<str:number>/lines/<int:line_id>/substitution-choice/",
        api.SubstitutionChoiceApi.as_view(),
        name="api-order-substitution-choice",
    ),
    path(
        "orders/<str:number>/substitutions/<int:substitution_id>/",
        api.SubstitutionAnswerApi.as_view(),
        name="api-order-substitution-answer",
    ),
    path(
        "staff/stores/<slug:store_code>/pickups/verify/",
        api.PickupVerifyApi.as_view(),
        name="api-pickup-verify",
    ),
    path(
        "staff/stores/<slug:store_code>/pickups/<str:number>/hand-over/",
        api.PickupHandOverApi.as_view(),
        name="api-pickup-hand-over",
    ),
]
