import datetime as dt

import factory

from scheduling.models import Resource, Service, TimeOff, WeeklyHours


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Resource {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service {n}")
    duration_minutes = 30
    price = "40.00"

    @factory.post_generation
    def performers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.resources.set(extracted)


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyHours

    weekday = 1
    start = dt.time(9)
    end = dt.time(12)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    start = factory.LazyFunction(lambda: dt.datetime(2026, 12, 24, 12, tzinfo=dt.UTC))
    end = factory.LazyFunction(lambda: dt.datetime(2026, 12, 26, 3, tzinfo=dt.UTC))
