from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check that a PostgreSQL and a Redis server answer (used by make test before the services pass)."

    def add_arguments(self, parser):
        parser.add_argument("--database", required=True, help="postgres://... URL")
        parser.add_argument("--redis", required=True, help="redis://... URL")

    def handle(self, *args, database: str, redis: str, **options):
        import dj_database_url
        import psycopg
        import redis as redis_client

        config = dj_database_url.parse(database)
        problems = []
        try:
            with psycopg.connect(
                host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], password=config["PASSWORD"],
                dbname="postgres", connect_timeout=3,
            ) as connection:
                connection.execute("select 1")
        except psycopg.Error as exc:
            problems.append(f"PostgreSQL at {config['HOST']}:{config['PORT']}: {exc}".strip())
        try:
            redis_client.Redis.from_url(redis, socket_connect_timeout=3).ping()
        except redis_client.RedisError as exc:
            problems.append(f"Redis at {redis}: {exc}")
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write("PostgreSQL and Redis answer.")
