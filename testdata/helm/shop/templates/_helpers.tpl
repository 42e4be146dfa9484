{{- define "shop.labels" -}}
{{- $default := dict "app.kubernetes.io/name" .Chart.Name -}}
{{- $_ := set $default "app.kubernetes.io/version" .Chart.AppVersion -}}
{{- $_ := mergeOverwrite $default .Values.labels -}}
{{ toYaml $default }}
{{- end -}}
{{- define "shop.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
