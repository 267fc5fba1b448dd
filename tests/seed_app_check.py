"""Run by test_seed_database.py in a child process whose DATABASE_URL names a database made by
the seed's own SQL and filled as the original app filled it. Prints one JSON object of what it
saw; the test asserts on it. (A child process, because the app must run on that database as its
only database, exactly as an operator would point it there.)
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "audiobooker.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.contrib.auth import authenticate  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook  # noqa: E402

setup_test_environment()
admin_email, admin_password, user_email, user_password, mixed_email, mixed_password = sys.argv[1:7]
seen = {}

client = Client()
seen["wrong_password"] = client.post(
    "/admin/login/?next=/admin/", {"username": admin_email, "password": "not it"}
).status_code
seen["admin_hash_before"] = User.objects.get(email=admin_email).password[:4]
response = client.post(
    "/admin/login/?next=/admin/", {"username": admin_email.upper(), "password": admin_password}
)
seen["admin_login"] = response.status_code
seen["admin_login_to"] = response.get("Location")
seen["admin_hash_after"] = User.objects.get(email=admin_email).password.split("$")[0]

pages = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/library/audiobook/",
    "/admin/conversions/conversionjob/",
]
pages += [f"/admin/accounts/user/{u.pk}/change/" for u in User.objects.all()]
pages += [f"/admin/library/audiobook/{b.pk}/change/" for b in Audiobook.objects.all()]
pages += [f"/admin/conversions/conversionjob/{j.pk}/change/" for j in ConversionJob.objects.all()]
seen["pages"] = {page: client.get(page).status_code for page in pages}
seen["books_listed"] = client.get("/admin/library/audiobook/").content.decode().count("/change/")

user = authenticate(email=user_email, password=user_password)
seen["user_login"] = bool(user)
seen["user_hash_after"] = User.objects.get(email=user_email).password.split("$")[0]
seen["user_login_again"] = bool(authenticate(email=user_email, password=user_password))

again = Client()
seen["admin_login_again"] = again.post(
    "/admin/login/?next=/admin/", {"username": admin_email, "password": admin_password}
).status_code
seen["mixed_case_stored"] = User.objects.get(email=mixed_email.lower()).email
seen["mixed_case_login"] = (
    Client()
    .post("/accounts/login/", {"username": mixed_email.swapcase(), "password": mixed_password})
    .status_code
)
print(json.dumps(seen))
