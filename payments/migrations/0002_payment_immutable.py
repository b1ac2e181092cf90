"""The database itself refuses to change or delete a payment (even raw SQL): the ledger only grows.

One UPDATE passes: the recorder's account being removed sets `recorded_by_id` to NULL and
nothing else (their name stays in `recorded_by_label`). TRUNCATE (a restore's, a test's) is not
a change of a row and stays possible.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION payments_payment_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.recorded_by_id IS NOT NULL AND NEW.recorded_by_id IS NULL
       AND (to_jsonb(NEW) - 'recorded_by_id') = (to_jsonb(OLD) - 'recorded_by_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'payments are never changed or deleted: record a correction instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_payment_immutable
    BEFORE UPDATE OR DELETE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_payment_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_payment_immutable ON payments_payment;
DROP FUNCTION IF EXISTS payments_payment_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
