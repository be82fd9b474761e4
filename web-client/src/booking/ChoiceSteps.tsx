import { tokyoDate, type PublicBookingInfo, type ReservationSlot } from '@madoguchi/protocol';
import { departmentHint, departmentName, messagesFor } from '../i18n.ts';
import { Progress, ProblemNotice, Screen } from './BookingFrame.tsx';
import { useBookingI18n } from './bookingI18n.ts';
import { bookableDays, dayLabel, slotLabel, type Problem } from './bookingLogic.ts';

/**
 * The four choices of a booking, one screen each, every choice a large button: the department,
 * the place to come to, the day, the time.
 */

type Department = PublicBookingInfo['departments'][number];
type Site = PublicBookingInfo['sites'][number];

interface StepProps {
  onBack(): void;
}

/** The department's name and button text in the page's language (the kiosk's translations, while the city's words are the ones translated). */
export function useDepartmentWords() {
  const { language } = useBookingI18n();
  const kiosk = messagesFor(language);
  return {
    name: (department: { code: string; name: string }) => departmentName(kiosk, department),
    hint: (department: Department) => departmentHint(kiosk, department),
  };
}

export function DepartmentStep({ departments, chosen, onChoose, onBack }: StepProps & { departments: readonly Department[]; chosen: string; onChoose(id: string): void }) {
  const { t, language } = useBookingI18n();
  const words = useDepartmentWords();
  return (
    <Screen testId="booking-departments" title={t.chooseDepartment} step={1} onBack={onBack}>
      {departments.length === 0 ? (
        <p className="message">{t.noDepartments}</p>
      ) : (
        <ul className="public-booking__choices">
          {departments.map((department) => {
            const hint = words.hint(department);
            return (
              <li key={department.id}>
                <button
                  type="button"
                  className="department-button"
                  data-testid={`department-${department.code}`}
                  aria-current={department.id === chosen ? 'true' : undefined}
                  onClick={() => onChoose(department.id)}
                >
                  <span className="department-button__name" lang={words.name(department) === department.name ? 'ja' : language}>
                    {words.name(department)}
                  </span>
                  {hint.text ? (
                    <span className="department-button__hint" lang={hint.translated ? language : 'ja'}>
                      {hint.text}
                    </span>
                  ) : null}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </Screen>
  );
}

export function SiteStep({ sites, chosen, onChoose, onBack }: StepProps & { sites: readonly Site[]; chosen: string; onChoose(id: string): void }) {
  const { t } = useBookingI18n();
  const kinds = t.siteKinds as Record<string, string>;
  return (
    <Screen testId="booking-sites" title={t.chooseSite} step={2} onBack={onBack}>
      <p className="lead">{t.siteLead}</p>
      <ul className="public-booking__choices">
        {sites.map((site) => (
          <li key={site.id}>
            <button
              type="button"
              className="public-booking__choice"
              data-testid="site-option"
              data-site-id={site.id}
              aria-current={site.id === chosen ? 'true' : undefined}
              onClick={() => onChoose(site.id)}
            >
              <span className="public-booking__choice-main" lang="ja">
                {site.name}
              </span>
              {kinds[site.kind] ? <span className="public-booking__choice-sub">{kinds[site.kind]}</span> : null}
            </button>
          </li>
        ))}
      </ul>
    </Screen>
  );
}

export function DayStep({ until, chosen, onChoose, onBack }: StepProps & { until: string; chosen: string; onChoose(day: string): void }) {
  const { t, language } = useBookingI18n();
  const today = tokyoDate();
  const tomorrow = bookableDays(today, '9999-12-31')[1];
  const days = bookableDays(today, until);
  return (
    <Screen testId="booking-days" title={t.chooseDay} step={3} onBack={onBack}>
      {days.length === 0 ? (
        <p className="message">{t.noDays}</p>
      ) : (
        <ul className="public-booking__choices public-booking__choices--grid">
          {days.map((day) => (
            <li key={day}>
              <button
                type="button"
                className="public-booking__choice"
                data-testid="day-option"
                data-date={day}
                aria-current={day === chosen ? 'true' : undefined}
                onClick={() => onChoose(day)}
              >
                {day === today || day === tomorrow ? <span className="public-booking__choice-sub">{day === today ? t.today : t.tomorrow}</span> : null}
                <span className="public-booking__choice-main">{dayLabel(day, language)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Screen>
  );
}

export type SlotsState =
  | { status: 'loading' }
  | { status: 'ready'; slots: readonly ReservationSlot[]; categories: readonly { id: string; name: string }[] }
  | { status: 'failed'; problem: Problem };

interface SlotStepProps extends StepProps {
  day: string;
  slots: SlotsState;
  chosen: string;
  /** Why the resident was sent back here (the slot they had filled up meanwhile). */
  notice: Problem | null;
  onChoose(slot: ReservationSlot): void;
  onRetry(): void;
  onOtherDay(): void;
}

export function SlotStep({ day, slots, chosen, notice, onChoose, onRetry, onOtherDay, onBack }: SlotStepProps) {
  const { t, language } = useBookingI18n();
  return (
    <Screen testId="booking-slots" title={t.chooseSlot} step={4} onBack={onBack}>
      <p className="lead" data-testid="slots-day">
        {dayLabel(day, language)}
      </p>
      <ProblemNotice problem={slots.status === 'failed' ? slots.problem : notice}>
        {slots.status === 'failed' ? (
          <button type="button" className="button button--secondary" data-testid="slots-retry" onClick={onRetry}>
            {t.retry}
          </button>
        ) : null}
      </ProblemNotice>
      <Progress text={slots.status === 'loading' ? t.slotsLoading : null} testId="slots-loading" />
      {slots.status === 'ready' && slots.slots.length === 0 ? <p className="message" data-testid="slots-none">{t.noSlots}</p> : null}
      {slots.status === 'ready' && slots.slots.length > 0 ? (
        <ul className="public-booking__choices public-booking__choices--grid">
          {slots.slots.map((slot) => (
            <li key={slot.start}>
              <button
                type="button"
                className="public-booking__choice public-booking__slot"
                data-testid="slot-option"
                data-start={slot.start}
                data-free={slot.free}
                disabled={slot.free === 0}
                aria-current={slot.start === chosen ? 'true' : undefined}
                onClick={() => onChoose(slot)}
              >
                <span className="public-booking__choice-main">{slotLabel(slot)}</span>
                <span className="public-booking__choice-sub">{slot.free === 0 ? t.slotFull : t.slotFree(slot.free)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {slots.status !== 'loading' ? (
        <button type="button" className="button button--secondary" data-testid="slots-other-day" onClick={onOtherDay}>
          {t.otherDay}
        </button>
      ) : null}
    </Screen>
  );
}
