

def test_queue_display_names():
    from ccnb.i18n.labels import queue_name
    from ccnb.params import load_params

    p = load_params()
    assert queue_name("tech_support", p) == "Tech support" and queue_name("vip", p) == "VIP"
    assert queue_name("Billing", p) == "Billing"
    payload = "<img src=x onerror=alert(1)>"
    assert queue_name(payload, p) == payload          # data text is never rewritten (escaped later, shown as is)
    zh = {q: d.name_zh for q, d in p.center.queues.items() if d.name_zh}
    q, name = next(iter(zh.items()))
    assert queue_name(q, p, "zh") == name
