"""Pick and pack: pick tasks from paid orders, claims, barcode-confirmed picking, weighed items,
shortages, bags and packing (`services` writes, `selectors` reads, `live` the realtime shapes)."""
