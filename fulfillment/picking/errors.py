"""What pick and pack refuses; `omostore.errors` turns each into one clear 4xx."""

from omostore.errors import Conflict, DomainError, Forbidden, NotFound


class TaskNotFound(NotFound):
    """Another store's task is as unknown as a missing one."""

    code = "pick_task_not_found"


class TaskTaken(Conflict):
    code = "pick_task_taken"


class TaskClosed(Conflict):
    code = "pick_task_closed"


class NotYourTask(Forbidden):
    code = "pick_task_not_yours"


class WrongBarcode(DomainError):
    code = "wrong_barcode"


class TooMany(Conflict):
    code = "more_than_ordered"


class InvalidWeight(DomainError):
    code = "invalid_weight"


class WeightNeedsConfirmation(Conflict):
    """Outside the tolerance: the picker confirms, or weighs again."""

    code = "weight_needs_confirmation"


class LineDone(Conflict):
    code = "pick_line_done"


class TaskNotDone(Conflict):
    code = "pick_task_not_done"


class BagNotFound(NotFound):
    code = "bag_not_found"


class BagsMissing(Conflict):
    code = "bags_missing"


class NotPicker(Forbidden):
    code = "not_a_picker"


class SubstitutionNotFound(NotFound):
    code = "substitution_not_found"


class SubstitutionClosed(Conflict):
    """Answered already, or the time to answer is over (the standing choice applied)."""

    code = "substitution_closed"


class InvalidSubstitute(DomainError):
    code = "invalid_substitute"


class NotSubstitutable(Conflict):
    code = "not_substitutable"


class PickupNotFound(NotFound):
    code = "pickup_not_found"


class PickupNotReady(Conflict):
    code = "pickup_not_ready"


class BagOfAnotherTask(Conflict):
    """A bag label of another order, or of another zone of this order (cold chain)."""

    code = "bag_of_another_task"


class BagClosed(Conflict):
    code = "bag_closed"
