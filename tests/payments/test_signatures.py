"""Checksums and signatures against vectors computed here, independently of the code under test."""

from __future__ import annotations

import binascii
import hashlib
import hmac

from motcua.payments.providers import paygov, vietqr, vnpay

SECRET = "SECRETKEY123"
PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "DEMO0001",
    "vnp_Amount": "10000000",
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "HS00000001H21260302000001T1",
    "vnp_OrderInfo": "Thanh toan phi ho so 000.00.01.H21",
    "vnp_OrderType": "other",
    "vnp_Locale": "vn",
    "vnp_ReturnUrl": "https://motcua.example.vn/thanh-toan/vnpay/ket-qua/",
    "vnp_IpAddr": "203.0.113.5",
    "vnp_CreateDate": "20260302090000",
    "vnp_ExpireDate": "20260302091500",
    "vnp_BankCode": "",
}
# written out by hand: sorted keys, empty vnp_BankCode dropped, spaces as '+', ':' and '/' percent-encoded
EXPECTED_QUERY = (
    "vnp_Amount=10000000&vnp_Command=pay&vnp_CreateDate=20260302090000&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20260302091500&vnp_IpAddr=203.0.113.5&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+phi+ho+so+000.00.01.H21&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fmotcua.example.vn%2Fthanh-toan%2Fvnpay%2Fket-qua%2F"
    "&vnp_TmnCode=DEMO0001&vnp_TxnRef=HS00000001H21260302000001T1&vnp_Version=2.1.0"
)


def test_vnpay_canonical_query_and_hmac_sha512() -> None:
    expected_hash = hmac.new(SECRET.encode(), EXPECTED_QUERY.encode(), hashlib.sha512).hexdigest()
    assert vnpay.canonical_query(PARAMS) == EXPECTED_QUERY
    assert vnpay.signed_query(PARAMS, SECRET) == f"{EXPECTED_QUERY}&vnp_SecureHash={expected_hash}"
    assert len(expected_hash) == 128


def test_vnpay_verification_ignores_hash_fields_and_refuses_tampering() -> None:
    signed = {**PARAMS, "vnp_SecureHashType": "HmacSHA512"}
    signed["vnp_SecureHash"] = hmac.new(SECRET.encode(), EXPECTED_QUERY.encode(), hashlib.sha512).hexdigest()
    assert vnpay.verify(signed, SECRET) is True
    assert vnpay.verify({**signed, "vnp_SecureHash": signed["vnp_SecureHash"].upper()}, SECRET) is True
    assert vnpay.verify({**signed, "vnp_Amount": "100"}, SECRET) is False
    assert vnpay.verify(signed, "another-secret") is False
    assert vnpay.verify({k: v for k, v in signed.items() if k != "vnp_SecureHash"}, SECRET) is False


def test_vnpay_amount_is_multiplied_by_100_in_vietnam_time(settings: object) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    utc = ZoneInfo("UTC")
    params = vnpay.PROVIDER.payment_parameters(
        reference="R1",
        amount=150000,
        order_info="x",
        return_url="https://a/",
        client_ip="",
        created_at=dt.datetime(2026, 3, 2, 2, 0, tzinfo=utc),
        expires_at=dt.datetime(2026, 3, 2, 2, 15, tzinfo=utc),
    )
    assert params["vnp_Amount"] == "15000000"
    assert params["vnp_CreateDate"] == "20260302090000"  # 02:00 UTC is 09:00 in Hà Nội (GMT+7)
    assert params["vnp_ExpireDate"] == "20260302091500"
    assert params["vnp_Version"] == "2.1.0"
    assert params["vnp_Command"] == "pay"
    assert params["vnp_CurrCode"] == "VND"


def test_vnpay_query_answer_hash() -> None:
    answer = {
        "vnp_ResponseId": "abc",
        "vnp_Command": "querydr",
        "vnp_ResponseCode": "00",
        "vnp_Message": "QueryDR Success",
        "vnp_TmnCode": "DEMO0001",
        "vnp_TxnRef": "R1",
        "vnp_Amount": "10000000",
        "vnp_BankCode": "NCB",
        "vnp_PayDate": "20260302090500",
        "vnp_TransactionNo": "14000001",
        "vnp_TransactionType": "01",
        "vnp_TransactionStatus": "00",
        "vnp_OrderInfo": "x",
    }
    data = "abc|querydr|00|QueryDR Success|DEMO0001|R1|10000000|NCB|20260302090500|14000001|01|00|x||"
    answer["vnp_SecureHash"] = hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    result = vnpay.interpret_query_answer(answer, SECRET)
    assert (result.outcome, result.amount, result.transaction_no, result.checksum_ok) == (
        "succeeded",
        100000,
        "14000001",
        True,
    )
    assert vnpay.interpret_query_answer({**answer, "vnp_TransactionStatus": "01"}, SECRET).outcome == "unknown"


def test_paygov_init_and_callback_checksums(settings: object) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.test import override_settings

    with override_settings(MOTCUA_PAYGOV_PARTNER_CODE="P01", MOTCUA_PAYGOV_SECRET="S3CR3T"):
        message = paygov.PROVIDER.init_message(
            reference="HS1T1",
            amount=200000,
            description="Phi ho so",
            client_ip="203.0.113.5",
            at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
            receipt={"dossierCode": "HS1"},
        )
        joined = "INIT|1.0.0|P01|HS1T1|200000|PAY|WEB|DESKTOP|vi-VN|VND||Phi ho so|20260302090000|203.0.113.5|S3CR3T"
        assert message["checksum"] == hashlib.sha256(joined.encode()).hexdigest()
        callback = {
            "messageType": "PAY_RESULT",
            "errorCode": "00",
            "partnerCode": "P01",
            "reference": "HS1T1",
            "amount": "200000",
            "currency": "VND",
            "transactionId": "T9",
            "bankCode": "VCB",
            "time": "20260302090500",
            "description": "Phi ho so",
        }
        text = "PAY_RESULT|00|P01|HS1T1|200000|VND|T9|VCB|20260302090500|Phi ho so|S3CR3T"
        callback["checksum"] = hashlib.sha256(text.encode()).hexdigest()
        assert paygov.verify_callback(callback) is True
        assert paygov.verify_callback({**callback, "amount": "1"}) is False


def test_crc16_ccitt_false_check_value() -> None:
    assert vietqr.crc16_ccitt(b"123456789") == 0x29B1  # the catalogued check value of CRC-16/CCITT-FALSE


def test_vietqr_payload_layout_and_crc() -> None:
    text = vietqr.payload(bank_bin="970415", account_number="113000012345", amount=100000, reference="HS1T1")
    beneficiary = "0006970415" + "0112113000012345"
    merchant = "0010A000000727" + f"01{len(beneficiary):02d}{beneficiary}" + "0208QRIBFTTA"
    body = (
        "000201" + "010212" + f"38{len(merchant):02d}{merchant}" + "5303704" + "5406100000" + "5802VN"
        "62090805HS1T1" + "6304"
    )
    crc = binascii.crc_hqx(body.encode(), 0xFFFF)  # the standard library's CRC-CCITT, initial value 0xFFFF
    assert text == f"{body}{crc:04X}"
