"""The dispatcher's Django layer, around the pure planning core (`fulfillment.dispatch`):

- `tick`: one store's tick (read the pool, plan, commit what must go), under a Redis lock and
  guarded in the database;
- `trips`: what riders and managers do (scan bags, deliver, fail, return, duty, location,
  reassign);
- `selectors`: the rider's trip, an order's tracking, the manager's board;
- `bags` and `readiness`: the seams with pick and pack (bags of an order, expected ready times);
- `live`: the realtime events (`rider.trip`, `order.tracking`).
"""
