/** Whether a screen's action can run here (the back end's answer): `ready` when it can, else why not. */
export function Availability(props: {
  id: string;
  state: { available: boolean; reason: string | null } | null;
  ready: string;
}) {
  const { state } = props;
  return (
    <p class="muted" id={props.id}>
      {state ? (state.available ? props.ready : (state.reason ?? '')) : ''}
    </p>
  );
}
