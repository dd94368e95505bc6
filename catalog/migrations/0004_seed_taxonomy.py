"""Subjects, textbook editions and the four source collections every bureau has; resources
that existed before the review workflow count as published (they were visible already)."""

from django.db import migrations
from django.db.models import F

SUBJECTS = [
    ("chinese", "语文", ""),
    ("math", "数学", ""),
    ("english", "英语", ""),
    ("morality", "道德与法治", ""),
    ("science", "科学", "primary"),
    ("physics", "物理", "junior,senior"),
    ("chemistry", "化学", "junior,senior"),
    ("biology", "生物", "junior,senior"),
    ("history", "历史", "junior,senior"),
    ("geography", "地理", "junior,senior"),
    ("politics", "思想政治", "senior"),
    ("it", "信息技术", ""),
    ("music", "音乐", ""),
    ("art", "美术", ""),
    ("pe", "体育与健康", ""),
    ("labor", "劳动", "primary,junior"),
    ("psychology", "心理健康", ""),
]
EDITIONS = [
    ("pep", "人教版"),
    ("jiangsu", "苏教版"),
    ("bnu", "北师大版"),
    ("yilin", "译林版"),
    ("fltrp", "外研版"),
    ("hunan", "湘教版"),
]
COLLECTIONS = [
    ("ncet", "中央电教馆资源", "国家中小学智慧教育平台与中央电化教育馆提供的资源。"),
    ("local", "本地资源", "本县教师和学校制作的资源。"),
    ("masters", "名师讲评", "名师的课堂实录、讲评与示范课。"),
    ("provincial", "省市优质资源", "省、市评选的优质课和精品资源。"),
]


def seed(apps, schema_editor):
    Subject = apps.get_model("catalog", "Subject")
    Edition = apps.get_model("catalog", "Edition")
    Collection = apps.get_model("catalog", "Collection")
    Resource = apps.get_model("catalog", "Resource")
    for order, (code, name, stages) in enumerate(SUBJECTS):
        Subject.objects.get_or_create(
            code=code, defaults={"name": name, "stages": stages, "order": order * 10}
        )
    for order, (code, name) in enumerate(EDITIONS):
        Edition.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})
    for order, (slug, name, description) in enumerate(COLLECTIONS):
        Collection.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "order": order * 10,
                "builtin": True,
            },
        )
    Resource.objects.filter(state="draft").update(state="published", published_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_taxonomy_files_workflow")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
