"""Peewee migrations -- 001_initial.py: the first schema."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    
    @migrator.create_model
    class Position(pw.Model):
        id = pw.AutoField()
        slug = pw.CharField(max_length=64, unique=True)
        title = pw.CharField(max_length=64, unique=True)
        department = pw.CharField(default='', max_length=64)
        description = pw.TextField(default='')
        think_seconds = pw.IntegerField(default=60)
        answer_seconds = pw.IntegerField(default=120)
        max_retakes = pw.IntegerField(default=1)
        answer_modes = pw.TextField()
        face_analysis = pw.BooleanField(default=False)
        deadline_days = pw.IntegerField(default=7)
        questions = pw.TextField()
        rubric = pw.TextField()
        source_sha256 = pw.CharField(default='', max_length=64)
        is_open = pw.BooleanField(default=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "position"

    @migrator.create_model
    class Candidate(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(default='', max_length=64)
        wecom_userid = pw.CharField(max_length=64, null=True, unique=True)
        external_userid = pw.CharField(max_length=64, null=True, unique=True)
        phone = pw.CharField(default='', max_length=32)
        email = pw.CharField(default='', max_length=128)
        source = pw.CharField(default='chat', max_length=32)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "candidate"

    @migrator.create_model
    class Invitation(pw.Model):
        id = pw.AutoField()
        position = pw.ForeignKeyField(column_name='position_id', field='id', model=migrator.orm['position'], on_delete='CASCADE')
        candidate = pw.ForeignKeyField(column_name='candidate_id', field='id', model=migrator.orm['candidate'], on_delete='CASCADE')
        invited_by = pw.CharField(max_length=64)
        status = pw.CharField(default='created', index=True, max_length=16)
        channel = pw.CharField(default='member', max_length=16)
        expires_at = pw.DateTimeField()
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField(null=True)
        opened_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "invitation"
            indexes = [(('position', 'candidate'), True)]

    @migrator.create_model
    class Interview(pw.Model):
        id = pw.AutoField()
        invitation = pw.ForeignKeyField(column_name='invitation_id', field='id', model=migrator.orm['invitation'], on_delete='CASCADE', unique=True)
        status = pw.CharField(default='in_progress', index=True, max_length=16)
        questions = pw.TextField()
        consent_at = pw.DateTimeField(null=True)
        face_consent = pw.BooleanField(default=False)
        started_at = pw.DateTimeField()
        completed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "interview"

    @migrator.create_model
    class Answer(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name='interview_id', field='id', model=migrator.orm['interview'], on_delete='CASCADE')
        question_key = pw.CharField(max_length=64)
        ordinal = pw.IntegerField()
        mode = pw.CharField(max_length=8)
        text = pw.TextField(default='')
        status = pw.CharField(default='received', max_length=16)
        integrity = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "answer"
            indexes = [(('interview', 'question_key'), True)]

    @migrator.create_model
    class AuditLog(pw.Model):
        id = pw.AutoField()
        actor = pw.CharField(max_length=64)
        action = pw.CharField(index=True, max_length=32)
        target_type = pw.CharField(default='', max_length=32)
        target_id = pw.CharField(default='', max_length=64)
        detail = pw.TextField()
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "audit_log"

    @migrator.create_model
    class Tag(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=32, unique=True)

        class Meta:
            table_name = "tag"

    @migrator.create_model
    class CandidateTag(pw.Model):
        id = pw.AutoField()
        candidate = pw.ForeignKeyField(column_name='candidate_id', field='id', model=migrator.orm['candidate'], on_delete='CASCADE')
        tag = pw.ForeignKeyField(column_name='tag_id', field='id', model=migrator.orm['tag'], on_delete='CASCADE')
        source = pw.CharField(default='hr', max_length=8)
        created_by = pw.CharField(default='', max_length=64)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "candidate_tag"
            indexes = [(('candidate', 'tag'), True)]

    @migrator.create_model
    class OutboundMessage(pw.Model):
        id = pw.AutoField()
        idempotency_key = pw.CharField(max_length=191, unique=True)
        channel = pw.CharField(default='member', max_length=16)
        recipient = pw.CharField(index=True, max_length=64)
        msgtype = pw.CharField(max_length=16)
        payload = pw.TextField()
        purpose = pw.CharField(default='reply', max_length=32)
        invitation = pw.ForeignKeyField(column_name='invitation_id', field='id', model=migrator.orm['invitation'], null=True, on_delete='SET NULL')
        state = pw.CharField(default='pending', index=True, max_length=12)
        attempts = pw.IntegerField(default=0)
        last_error = pw.TextField(default='')
        wecom_msgid = pw.CharField(default='', max_length=128)
        response_code = pw.CharField(default='', max_length=256)
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "outbound_message"

    @migrator.create_model
    class Recording(pw.Model):
        id = pw.AutoField()
        answer = pw.ForeignKeyField(column_name='answer_id', field='id', model=migrator.orm['answer'], on_delete='CASCADE')
        path = pw.CharField(max_length=512)
        mime = pw.CharField(max_length=64)
        size = pw.BigIntegerField(default=0)
        duration = pw.FloatField(null=True)
        sha256 = pw.CharField(default='', max_length=64)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "recording"

    @migrator.create_model
    class Report(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name='interview_id', field='id', model=migrator.orm['interview'], on_delete='CASCADE', unique=True)
        schema_version = pw.CharField(max_length=16)
        document = pw.TextField()
        total = pw.FloatField()
        recommendation = pw.CharField(max_length=8)
        created_at = pw.DateTimeField()
        released_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "report"

    @migrator.create_model
    class Score(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name='interview_id', field='id', model=migrator.orm['interview'], on_delete='CASCADE')
        answer = pw.ForeignKeyField(column_name='answer_id', field='id', model=migrator.orm['answer'], null=True, on_delete='CASCADE')
        dimension = pw.CharField(max_length=32)
        value = pw.FloatField()
        evidence = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "score"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('score')

    migrator.remove_model('report')

    migrator.remove_model('recording')

    migrator.remove_model('outbound_message')

    migrator.remove_model('candidate_tag')

    migrator.remove_model('tag')

    migrator.remove_model('audit_log')

    migrator.remove_model('answer')

    migrator.remove_model('interview')

    migrator.remove_model('invitation')

    migrator.remove_model('candidate')

    migrator.remove_model('position')
