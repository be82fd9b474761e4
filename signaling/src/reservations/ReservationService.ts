import { randomInt } from 'node:crypto';
import type { PrismaClient } from '@madoguchi/db';
import {
  BoothReservation,
  BookingRequest,
  ProtocolError,
  RESERVATION_SLOT_FULL,
  ResidentLanguage,
  type BookedVia,
  type Reservation,
  type ReservationCalendarSettings,
  type ReservationOptions,
} from '@madoguchi/protocol';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { RoutingSettingsStore } from '../routing/RoutingSettingsStore.ts';
import { tokyoInstant, tokyoTime } from '../routing/core/index.ts';
import { isUniqueViolation } from '../api/adminRequest.ts';
import { lastBookableDate, slotsOfDay, type DepartmentHours } from './slots.ts';
import { FALLBACK_SLOT_MINUTES, reservationStatus } from './status.ts';

const DAY_MS = 24 * 60 * 60_000;
/** Seats are taken by concurrent bookings; a code may collide. Each retry re-reads the slot. */
const EXTRA_ATTEMPTS = 3;

/**
 * RFC 5545 §3.1: a content line longer than 75 octets goes on in lines that start with a space. Cut
 * between characters, never inside one's UTF-8 bytes (Japanese text is 3 octets a character).
 */
function foldLine(line: string): string {
  const parts: string[] = [];
  let part = '';
  let octets = 0;
  for (const character of line) {
    const size = Buffer.byteLength(character);
    // The continuation's leading space counts towards its 75.
    if (octets + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(part);
      part = '';
      octets = 0;
    }
    part += character;
    octets += size;
  }
  parts.push(part);
  return parts.join('\r\n ');
}

/**
 * Who books: a site's tablet (its clerk, for that site), a staff member (for any site), or a resident
 * on the public booking page (for any site in service, naming no operator).
 */
export type Booker = { kind: 'device'; deviceId: string; siteId: string } | { kind: 'staff'; staffId: string } | { kind: 'public' };

/** Who made a booking, as its row says. */
function bookedByOf(booker: Booker): string {
  switch (booker.kind) {
    case 'device':
      return `device:${booker.deviceId}`;
    case 'staff':
      return `staff:${booker.staffId}`;
    case 'public':
      return 'public';
  }
}

/** The channel of a row's `bookedBy` (device:…, staff:…, public). */
function bookedViaOf(bookedBy: string): BookedVia {
  if (bookedBy.startsWith('device:')) return 'tablet';
  return bookedBy === 'public' ? 'public' : 'staff';
}

/** A booking claimed at the booth: what the consultation request needs. */
export interface ArrivedReservation {
  readonly reservationId: string;
  readonly department: { readonly id: string; readonly code: string; readonly name: string };
  readonly preferredOperatorId: string | null;
}

type ParsedBooking = z.output<typeof BookingRequest>;

const INCLUDE = {
  department: true,
  site: true,
  category: true,
  preferredOperator: { select: { id: true, displayName: true } },
} as const;

/**
 * Bookings of department slots (予約). Double booking is prevented by the database, not by a lock:
 * a booking takes the lowest free seat of its slot (0 ≤ seat < capacity) and the unique
 * (department, slot, seat) refuses a second booking of the same seat, so concurrent bookings of the
 * last seat — in one process or several, on SQLite or PostgreSQL — leave exactly one winner; the
 * losers read the slot again and take the next seat or are told it is full.
 */
export class ReservationService {
  readonly #db: PrismaClient;
  readonly #routingSettings: Pick<RoutingSettingsStore, 'list'>;
  readonly #clock: Clock;

  constructor({ db, routingSettings, clock }: { db: PrismaClient; routingSettings: Pick<RoutingSettingsStore, 'list'>; clock: Clock }) {
    this.#db = db;
    this.#routingSettings = routingSettings;
    this.#clock = clock;
  }

  async calendars(): Promise<{ department: { id: string; code: string; name: string }; settings: ReservationCalendarSettings | null }[]> {
    const departments = await this.#db.department.findMany({ where: { active: true }, orderBy: { sortOrder: 'asc' }, include: { reservationCalendar: true } });
    return departments.map(({ id, code, name, reservationCalendar: calendar }) => ({
      department: { id, code, name },
      settings: calendar && { slotMinutes: calendar.slotMinutes, capacity: calendar.capacity, bookableDays: calendar.bookableDays },
    }));
  }

  /** Set a department's calendar; null: it takes no more bookings (those made stay). */
  async setCalendar(departmentId: string, settings: ReservationCalendarSettings | null): Promise<void> {
    if (!(await this.#db.department.findUnique({ where: { id: departmentId } }))) throw new ProtocolError('NOT_FOUND', 'no such department');
    if (settings === null) await this.#db.reservationCalendar.deleteMany({ where: { departmentId } });
    else await this.#db.reservationCalendar.upsert({ where: { departmentId }, create: { departmentId, ...settings }, update: settings });
  }

  /** The slots of a day with their free places, the department's 相談種別, the operators who may be named and the sites the booker may book for. */
  async options(departmentId: string, date: string, booker: Booker): Promise<ReservationOptions> {
    const [calendar, hours, categories, operators, sites] = await Promise.all([
      this.#calendar(departmentId),
      this.#hours(departmentId),
      this.#db.consultationCategory.findMany({ where: { departmentId, active: true }, orderBy: { sortOrder: 'asc' } }),
      this.#db.staff.findMany({
        where: { active: true, role: 'operator', departments: { some: { departmentId, skill: 'primary' } } },
        orderBy: { displayName: 'asc' },
      }),
      this.#db.site.findMany({
        where: { active: true, ...(booker.kind === 'device' ? { id: booker.siteId } : {}) },
        orderBy: [{ createdAt: 'asc' }, { name: 'asc' }],
        select: { id: true, name: true },
      }),
    ]);
    const now = this.#clock.now().getTime();
    const bookableUntil = calendar ? lastBookableDate(now, calendar) : null;
    const slots = calendar && bookableUntil !== null && date <= bookableUntil ? slotsOfDay(date, calendar, hours).filter((slot) => slot.end > now) : [];
    const taken = await this.#db.reservation.groupBy({
      by: ['slotStart'],
      where: { departmentId, seat: { not: null }, slotStart: { in: slots.map((slot) => new Date(slot.start)) } },
      _count: { _all: true },
    });
    const takenAt = new Map(taken.map((row) => [row.slotStart.getTime(), row._count._all]));
    return {
      slots: slots.map((slot) => ({
        start: new Date(slot.start).toISOString(),
        end: new Date(slot.end).toISOString(),
        free: Math.max(0, calendar!.capacity - (takenAt.get(slot.start) ?? 0)),
      })),
      categories: categories.map(({ id, name }) => ({ id, name })),
      operators: operators.map(({ id, displayName }) => ({ id, name: displayName })),
      bookableUntil,
      sites,
    };
  }

  /** Book a seat of a slot. CONFLICT when the slot is full; BAD_REQUEST when it is not a bookable slot. */
  async book(request: ParsedBooking, booker: Booker): Promise<Reservation> {
    const siteId = booker.kind === 'device' ? booker.siteId : request.siteId;
    if (!siteId) throw new ProtocolError('BAD_REQUEST', 'siteId: the site where the resident will come');
    if (booker.kind === 'device' && request.siteId !== undefined && request.siteId !== siteId) {
      throw new ProtocolError('FORBIDDEN', 'a tablet books for its own site');
    }
    if (booker.kind === 'public' && request.preferredOperatorId) throw new ProtocolError('FORBIDDEN', 'a resident does not name an operator');
    const calendar = await this.#calendar(request.departmentId);
    if (!calendar) throw new ProtocolError('CONFLICT', 'this department takes no bookings');
    const slotStart = Date.parse(request.slotStart);
    await this.#checkSlot(request.departmentId, calendar, slotStart);
    await this.#checkReferences(request, siteId);
    const bookedBy = bookedByOf(booker);
    for (let attempt = 0; attempt < calendar.capacity + EXTRA_ATTEMPTS; attempt += 1) {
      const seat = await this.#freeSeat(request.departmentId, slotStart, calendar.capacity);
      if (seat === null) break;
      try {
        const row = await this.#db.reservation.create({
          data: {
            code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
            departmentId: request.departmentId,
            siteId,
            slotStart: new Date(slotStart),
            seat,
            name: request.name,
            phone: request.phone,
            categoryId: request.categoryId,
            note: request.note,
            language: request.language,
            preferredOperatorId: request.preferredOperatorId,
            bookedBy,
          },
          include: INCLUDE,
        });
        return this.#view(row, calendar.slotMinutes);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new ProtocolError('CONFLICT', RESERVATION_SLOT_FULL);
  }

  /** The bookings of one Tokyo day, by slot, of the given departments (all when undefined). */
  async list(date: string, departmentIds: readonly string[] | undefined): Promise<Reservation[]> {
    const midnight = tokyoInstant(date);
    const rows = await this.#db.reservation.findMany({
      where: {
        slotStart: { gte: new Date(midnight), lt: new Date(midnight + DAY_MS) },
        ...(departmentIds ? { departmentId: { in: [...departmentIds] } } : {}),
      },
      include: INCLUDE,
      orderBy: [{ slotStart: 'asc' }, { createdAt: 'asc' }],
    });
    const lengths = await this.#slotLengths(rows.map((row) => row.departmentId));
    return rows.map((row) => this.#view(row, lengths.get(row.departmentId)));
  }

  /**
   * The departments that take bookings now, each with the last day it may be booked, and the sites in
   * service: what the public booking page offers.
   */
  async bookable(): Promise<{
    departments: { id: string; code: string; name: string; kioskText: string; bookableUntil: string }[];
    sites: { id: string; name: string; kind: string }[];
  }> {
    const now = this.#clock.now().getTime();
    const [departments, sites] = await Promise.all([
      this.#db.department.findMany({ where: { active: true, reservationCalendar: { isNot: null } }, orderBy: { sortOrder: 'asc' }, include: { reservationCalendar: true } }),
      this.#db.site.findMany({ where: { active: true }, orderBy: [{ createdAt: 'asc' }, { name: 'asc' }], select: { id: true, name: true, kind: true } }),
    ]);
    return {
      departments: departments.map(({ id, code, name, kioskText, reservationCalendar }) => ({ id, code, name, kioskText, bookableUntil: lastBookableDate(now, reservationCalendar!) })),
      sites,
    };
  }

  /** An active department with a slot calendar. */
  async takesBookings(departmentId: string): Promise<boolean> {
    return (await this.#db.department.count({ where: { id: departmentId, active: true, reservationCalendar: { isNot: null } } })) > 0;
  }

  /** The booking with this code, if it was made with this phone number; NOT_FOUND for anything else, so codes cannot be probed. */
  async findByCodeAndPhone(code: string, phone: string): Promise<Reservation> {
    const row = await this.#db.reservation.findUnique({ where: { code }, select: { id: true, phone: true } });
    if (!row || row.phone !== phone) throw new ProtocolError('NOT_FOUND', 'no booking with this code and phone number');
    return this.get(row.id);
  }

  /** Bookings made with this phone number that are still to be kept, from today on. */
  async openBookingsOf(phone: string): Promise<number> {
    const midnight = tokyoTime(this.#clock.now().getTime()).midnight;
    return this.#db.reservation.count({ where: { phone, status: 'booked', slotStart: { gte: new Date(midnight) } } });
  }

  async get(id: string): Promise<Reservation> {
    const row = await this.#db.reservation.findUnique({ where: { id }, include: INCLUDE });
    if (!row) throw new ProtocolError('NOT_FOUND', 'no such reservation');
    return this.#view(row, (await this.#slotLengths([row.departmentId])).get(row.departmentId));
  }

  /**
   * Cancel a booking not yet kept whose slot has not ended: its seat is free again. A no-show stays
   * one (cancelling it afterwards would take it out of the no-show rate).
   */
  async cancel(id: string): Promise<Reservation> {
    if ((await this.get(id)).status !== 'booked') throw new ProtocolError('CONFLICT', 'only a booking not yet kept can be cancelled');
    const { count } = await this.#db.reservation.updateMany({ where: { id, status: 'booked' }, data: { status: 'cancelled', seat: null } });
    if (count === 0) throw new ProtocolError('CONFLICT', 'only a booking not yet kept can be cancelled');
    return this.get(id);
  }

  /** Today's bookings of a site not yet kept, by slot: the clerk's list at its tablet. */
  async todayAt(siteId: string): Promise<BoothReservation[]> {
    const midnight = tokyoTime(this.#clock.now().getTime()).midnight;
    const rows = await this.#db.reservation.findMany({
      where: { siteId, status: 'booked', slotStart: { gte: new Date(midnight), lt: new Date(midnight + DAY_MS) } },
      include: INCLUDE,
      orderBy: [{ slotStart: 'asc' }, { createdAt: 'asc' }],
    });
    const lengths = await this.#slotLengths(rows.map((row) => row.departmentId));
    return rows.map((row) => BoothReservation.parse(this.#view(row, lengths.get(row.departmentId))));
  }

  /**
   * The resident is at a booth of the booked site, on the booked day — they typed the code, or the
   * clerk picked the booking from today's list: the booking is claimed (arrived) at once, so a second
   * tablet is refused. NOT_FOUND for anything that does not fit, so codes and ids cannot be probed
   * for other sites or days.
   */
  async arrive(siteId: string, key: { code: string } | { id: string }): Promise<ArrivedReservation> {
    const now = this.#clock.now();
    const midnight = tokyoTime(now.getTime()).midnight;
    const row = await this.#db.reservation.findUnique({ where: key, include: { department: true } });
    const today = row && row.siteId === siteId && row.slotStart.getTime() >= midnight && row.slotStart.getTime() < midnight + DAY_MS;
    if (!row || !today || row.status !== 'booked') throw new ProtocolError('NOT_FOUND', 'no such booking today at this site');
    const { count } = await this.#db.reservation.updateMany({ where: { id: row.id, status: 'booked' }, data: { status: 'arrived', arrivedAt: now } });
    if (count === 0) throw new ProtocolError('NOT_FOUND', 'no such booking today at this site');
    const { id, code: departmentCode, name } = row.department;
    return { reservationId: row.id, department: { id, code: departmentCode, name }, preferredOperatorId: row.preferredOperatorId };
  }

  /** The consultation could not be requested after all: the booking waits again. */
  async undoArrival(reservationId: string): Promise<void> {
    await this.#db.reservation.updateMany({ where: { id: reservationId, status: 'arrived', consultationId: null }, data: { status: 'booked', arrivedAt: null } });
  }

  /** The consultation's row exists: the record knows it was reserved. */
  async linkConsultation(reservationId: string, consultationId: string): Promise<void> {
    await this.#db.reservation.update({ where: { id: reservationId }, data: { consultationId } });
  }

  /** An iCalendar (RFC 5545) event of the booking, for staff's calendars. */
  async icsOf(id: string): Promise<{ filename: string; body: string }> {
    const reservation = await this.get(id);
    const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
    const lines = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Madoguchi//Reservations//JA',
      'BEGIN:VEVENT',
      `UID:${reservation.id}@madoguchi`,
      `DTSTAMP:${stamp(this.#clock.now().toISOString())}`,
      `DTSTART:${stamp(reservation.slotStart)}`,
      `DTEND:${stamp(reservation.slotEnd)}`,
      `SUMMARY:${escape(`${reservation.department.name} 予約 ${reservation.name} 様（${reservation.category.name}）`)}`,
      `LOCATION:${escape(reservation.site.name)}`,
      `DESCRIPTION:${escape(
        [`予約番号 ${reservation.code}`, `電話 ${reservation.phone}`, `言語 ${reservation.language}`, reservation.note && `メモ ${reservation.note}`]
          .filter(Boolean)
          .join('\n'),
      )}`,
      reservation.status === 'cancelled' ? 'STATUS:CANCELLED' : 'STATUS:CONFIRMED',
      'END:VEVENT',
      'END:VCALENDAR',
    ];
    return { filename: `reservation-${reservation.code}.ics`, body: `${lines.map(foldLine).join('\r\n')}\r\n` };
  }

  async #calendar(departmentId: string): Promise<ReservationCalendarSettings | null> {
    return this.#db.reservationCalendar.findUnique({ where: { departmentId }, select: { slotMinutes: true, capacity: true, bookableDays: true } });
  }

  async #hours(departmentId: string): Promise<DepartmentHours> {
    const view = (await this.#routingSettings.list()).find(({ department }) => department.id === departmentId);
    if (!view) throw new ProtocolError('NOT_FOUND', 'no such department');
    return view;
  }

  async #slotLengths(departmentIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.#db.reservationCalendar.findMany({ where: { departmentId: { in: [...new Set(departmentIds)] } } });
    return new Map(rows.map((row) => [row.departmentId, row.slotMinutes]));
  }

  /** A slot of the department's calendar that has not ended and is within its bookable days. */
  async #checkSlot(departmentId: string, calendar: ReservationCalendarSettings, slotStart: number): Promise<void> {
    const now = this.#clock.now().getTime();
    const { date } = tokyoTime(slotStart);
    if (date > lastBookableDate(now, calendar)) throw new ProtocolError('BAD_REQUEST', `slotStart: bookable up to ${calendar.bookableDays} days ahead`);
    const slot = slotsOfDay(date, calendar, await this.#hours(departmentId)).find((candidate) => candidate.start === slotStart);
    if (!slot) throw new ProtocolError('BAD_REQUEST', 'slotStart: not a slot of this department');
    if (slot.end <= now) throw new ProtocolError('BAD_REQUEST', 'slotStart: this slot has ended');
  }

  async #checkReferences(request: ParsedBooking, siteId: string): Promise<void> {
    const [site, category, operator] = await Promise.all([
      this.#db.site.findUnique({ where: { id: siteId } }),
      this.#db.consultationCategory.findUnique({ where: { id: request.categoryId } }),
      request.preferredOperatorId
        ? this.#db.staffDepartment.findUnique({
            where: { staffId_departmentId: { staffId: request.preferredOperatorId, departmentId: request.departmentId } },
            include: { staff: true },
          })
        : null,
    ]);
    if (!site?.active) throw new ProtocolError('BAD_REQUEST', 'siteId: no such site');
    if (!category?.active || category.departmentId !== request.departmentId) throw new ProtocolError('BAD_REQUEST', 'categoryId: not a category of this department');
    if (request.preferredOperatorId && (!operator?.staff.active || operator.skill !== 'primary')) {
      throw new ProtocolError('BAD_REQUEST', 'preferredOperatorId: not an operator of this department');
    }
  }

  async #freeSeat(departmentId: string, slotStart: number, capacity: number): Promise<number | null> {
    const rows = await this.#db.reservation.findMany({ where: { departmentId, slotStart: new Date(slotStart), seat: { not: null } }, select: { seat: true } });
    const taken = new Set(rows.map((row) => row.seat));
    for (let seat = 0; seat < capacity; seat += 1) if (!taken.has(seat)) return seat;
    return null;
  }

  #view(
    row: Awaited<ReturnType<PrismaClient['reservation']['findUniqueOrThrow']>> & {
      department: { id: string; code: string; name: string };
      site: { id: string; name: string };
      category: { id: string; name: string };
      preferredOperator: { id: string; displayName: string } | null;
    },
    slotMinutes: number | undefined,
  ): Reservation {
    const now = this.#clock.now().getTime();
    const start = row.slotStart.getTime();
    const end = start + (slotMinutes ?? FALLBACK_SLOT_MINUTES) * 60_000;
    const status = reservationStatus(row.status, end, now);
    return {
      id: row.id,
      code: row.code,
      department: { id: row.department.id, code: row.department.code, name: row.department.name },
      site: { id: row.site.id, name: row.site.name },
      slotStart: row.slotStart.toISOString(),
      slotEnd: new Date(end).toISOString(),
      name: row.name,
      phone: row.phone,
      category: { id: row.category.id, name: row.category.name },
      note: row.note,
      language: ResidentLanguage.parse(row.language),
      status,
      preferredOperator: row.preferredOperator && { id: row.preferredOperator.id, name: row.preferredOperator.displayName },
      arrivedAt: row.arrivedAt?.toISOString() ?? null,
      late: row.arrivedAt ? row.arrivedAt.getTime() > start : status === 'booked' && now > start,
      bookedVia: bookedViaOf(row.bookedBy),
    };
  }
}
