"""Names and codes of the VNPost order service, in one place.

Reconstructed from public descriptions (docs/integrations.md "Public post"; the official specification is
given to a customer with its contract): a corrected specification should change this file only.
"""

from __future__ import annotations

# Paths under MOTCUA_POST_VNPOST_URL.
CREATE_PATH = "/order/create"
CANCEL_PATH = "/order/cancel"
TRACKING_PATH = "/order/tracking"

# Order (JSON body of a POST): our name -> VNPost's name.
ORDER = {
    "customer_code": "CustomerCode",
    "order_number": "OrderNumber",
    "item_code": "ItemCode",
    "cod_amount": "CODAmount",
    "sender_name": "SenderFullname",
    "sender_address": "SenderAddress",
    "sender_ward": "SenderWardId",
    "sender_province": "SenderProvinceName",
    "sender_phone": "SenderTel",
    "sender_email": "SenderEmail",
    "receiver_name": "ReceiverFullname",
    "receiver_address": "ReceiverAddress",
    "receiver_ward": "ReceiverWardId",
    "receiver_province": "ReceiverProvinceName",
    "receiver_phone": "ReceiverTel",
    "receiver_email": "ReceiverEmail",
    "description": "OrderContent",
    "service": "ServiceName",  # what kind of item: result delivery or dossier pickup
}

# Answer: {Status, Message, ...}. Status values that mean "done" (compared as lower-case text).
STATUS = "Status"
MESSAGE = "Message"
ITEM_CODE = "ItemCode"
OK_STATUSES = frozenset({"true", "1", "100", "ok", "success"})

# Tracking answer: {Status, Message, Events: [{StatusCode, Time "dd/MM/yyyy HH:mm:ss" (Vietnam time), Note}]}.
EVENTS = "Events"
EVENT_CODE = "StatusCode"
EVENT_TIME = "Time"
EVENT_NOTE = "Note"
TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S")

# Provider journey codes -> PostalOrder.Status (codes not listed are intermediate steps: ignored).
TRACKING_STATUS = {
    "PICKED_UP": "picked_up",
    "NHAN_GUI": "picked_up",
    "DELIVERED": "delivered",
    "PHAT_THANH_CONG": "delivered",
    "FAILED": "failed",
    "PHAT_KHONG_THANH_CONG": "failed",
    "CANCELLED": "cancelled",
    "HUY": "cancelled",
}
